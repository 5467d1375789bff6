#include "wasmesh/proxy/DiscoveryFile.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <utility>

#include "wasmesh/common/RegularFile.h"

namespace wasmesh::proxy {

DiscoveryFile::DiscoveryFile(const boost::asio::any_io_executor& executor, std::string path,
                             metrics::Registry& registry, std::size_t metricsShard,
                             std::chrono::steady_clock::duration pollPeriod)
    : path_(std::move(path)),
      table_(std::make_shared<const DiscoveryTable>()),
      shard_(metricsShard),
      watcher_(
          executor, {path_}, [this](const std::vector<std::string>&) { reload(); }, pollPeriod) {
  auto& reloads = registry.counter(
      "wasmesh_discovery_reloads_total",
      "Re-reads of the discovery file after it changed; on error the previous table stays");
  reloadsOk_ = reloads.withLabels({{"result", "ok"}});
  reloadsError_ = reloads.withLabels({{"result", "error"}});
  destinations_ =
      registry.gauge("wasmesh_discovery_destinations", "Destinations in the discovery table in use")
          .withLabels({});
}

DiscoveryFileResult DiscoveryFile::open(const boost::asio::any_io_executor& executor,
                                        std::string path, metrics::Registry& registry,
                                        std::size_t metricsShard,
                                        std::chrono::steady_clock::duration pollPeriod) {
  std::unique_ptr<DiscoveryFile> file(
      new DiscoveryFile(executor, std::move(path), registry, metricsShard, pollPeriod));
  // Watch before reading: a change landing between the two is then seen by the first poll
  // (at worst the same content is read twice), never missed.
  file->watcher_.start();
  // A file not written yet, in a directory that exists, is how an optional ConfigMap that
  // no controller has created yet looks in a pod: start with no destination and load it
  // when it appears. A missing directory is a wrong path, refused like any bad file.
  struct stat info {};
  const auto parent = std::filesystem::path(file->path_).parent_path();
  if (::stat(file->path_.c_str(), &info) != 0 && errno == ENOENT &&
      (parent.empty() || std::filesystem::is_directory(parent))) {
    spdlog::warn("discovery: {} does not exist yet; no destination is meshed until it appears",
                 file->path_);
    return file;
  }
  auto table = read(file->path_);
  if (!table)
    return table.error();
  file->install(std::move(*table));
  return file;
}

DiscoveryTableResult DiscoveryFile::read(const std::string& path) {
  auto text = readRegularFile(path, kMaxFileSize);
  if (!text)
    return describeFileError(path, text.error(), kMaxFileSize);
  return DiscoveryTable::parse(*text, path);
}

bool DiscoveryFile::reload() {
  auto table = read(path_);
  if (!table) {
    reloadsError_.add(shard_);
    spdlog::warn("discovery: keeping the previous table ({} destinations): {}", current()->size(),
                 table.error());
    return false;
  }
  reloadsOk_.add(shard_);
  install(std::move(*table));
  return true;
}

void DiscoveryFile::install(DiscoveryTable table) {
  const auto count = static_cast<std::int64_t>(table.size());
  table_.store(std::make_shared<const DiscoveryTable>(std::move(table)), std::memory_order_release);
  destinations_.add(shard_, count - destinationsShown_);
  destinationsShown_ = count;
  spdlog::info("discovery: {} destinations loaded from {}", count, path_);
}

}  // namespace wasmesh::proxy
