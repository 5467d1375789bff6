#include "wasmesh/proxy/DiscoveryFile.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

namespace wasmesh::proxy {
namespace {

// Closes a descriptor on every return path of readFile.
class FdGuard {
 public:
  explicit FdGuard(int fd) noexcept : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

// The whole file, or why not: "<path>: cannot read: <strerror>". POSIX calls rather than a
// stream so that the reason (ENOENT, EACCES, EISDIR) is the one the kernel gave. Both sides
// are strings, so every return says which one it is.
boost::system::result<std::string, std::string> readFile(const std::string& path,
                                                         std::size_t maxSize) {
  using boost::system::in_place_error;
  const auto failure = [&path](int error) -> boost::system::result<std::string, std::string> {
    return {in_place_error, path + ": cannot read: " + std::generic_category().message(error)};
  };
  // O_NONBLOCK: a FIFO at the path must not stall the main thread in open(); the check
  // below then refuses it along with devices and directories.
  const FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0)
    return failure(errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    return failure(errno);
  if (S_ISDIR(info.st_mode))
    return failure(EISDIR);
  if (!S_ISREG(info.st_mode))
    return {in_place_error, path + ": is not a regular file"};
  std::string text;
  char chunk[16384];
  while (true) {
    const auto got = ::read(fd.get(), chunk, sizeof chunk);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return failure(errno);
    }
    if (got == 0)
      break;
    text.append(chunk, static_cast<std::size_t>(got));
    if (text.size() > maxSize)
      return {in_place_error, path + ": is larger than " + std::to_string(maxSize >> 20U) + " MiB"};
  }
  return {boost::system::in_place_value, std::move(text)};
}

}  // namespace

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
    return std::move(table.error());
  file->install(std::move(*table));
  return file;
}

DiscoveryTableResult DiscoveryFile::read(const std::string& path) {
  auto text = readFile(path, kMaxFileSize);
  if (!text)
    return std::move(text.error());
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
