#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/system/result.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "wasmesh/common/FileWatcher.h"
#include "wasmesh/metrics/Counter.h"
#include "wasmesh/metrics/Gauge.h"
#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/DiscoveryTable.h"

namespace wasmesh::proxy {

class DiscoveryFile;
// A refusal is one line naming the file: "<path>: <why>".
using DiscoveryFileResult = boost::system::result<std::unique_ptr<DiscoveryFile>, std::string>;

// The discovery file (docs/discovery.md) as the proxy uses it: the current DiscoveryTable,
// replaced whenever the file changes and parses. A file that does not (invalid, deleted,
// unreadable) leaves the previous table in use: it is logged as a warning and counted in
// wasmesh_discovery_reloads_total{result="error"}, and the proxy keeps going.
//
// Workers call current() for each new connection and keep that snapshot for the
// connection's life; everything else runs on the executor given to open() (the main
// thread's), and so must open(), reload(), stop() and destruction.
class DiscoveryFile {
 public:
  // Larger files are refused rather than read: thousands of destinations take well under 1 MiB.
  static constexpr std::size_t kMaxFileSize = std::size_t{16} << 20U;

  // Reads and parses `path` now: an unreadable or invalid file, or one whose directory is
  // missing, is the error, which the caller turns into a start-up failure. A file missing
  // from a directory that exists (an optional ConfigMap not created yet) starts an empty
  // table, with a warning, and is loaded when it appears. Then polls the file every `pollPeriod` on
  // `executor`. Registers wasmesh_discovery_reloads_total and wasmesh_discovery_destinations
  // on `registry`, recording in `metricsShard` (the shard of the executor's thread).
  static DiscoveryFileResult open(
      const boost::asio::any_io_executor& executor, std::string path, metrics::Registry& registry,
      std::size_t metricsShard,
      std::chrono::steady_clock::duration pollPeriod = FileWatcher::kDefaultPeriod);

  // Reads and parses a discovery file without watching it (`wasmesh proxy --check`, tests).
  static DiscoveryTableResult read(const std::string& path);

  DiscoveryFile(const DiscoveryFile&) = delete;
  DiscoveryFile& operator=(const DiscoveryFile&) = delete;
  ~DiscoveryFile() = default;

  // Any thread. Never null. The snapshot stays valid for as long as the caller holds it.
  std::shared_ptr<const DiscoveryTable> current() const noexcept {
    return table_.load(std::memory_order_acquire);
  }

  const std::string& path() const noexcept { return path_; }

  // Re-reads the file now, as the watcher does on a change. True if the new table is in
  // use; false if the previous one was kept (logged and counted).
  bool reload();

  // Stops watching (when draining); current() keeps answering with the last table.
  void stop() { watcher_.stop(); }

 private:
  DiscoveryFile(const boost::asio::any_io_executor& executor, std::string path,
                metrics::Registry& registry, std::size_t metricsShard,
                std::chrono::steady_clock::duration pollPeriod);

  void install(DiscoveryTable table);

  std::string path_;
  std::atomic<std::shared_ptr<const DiscoveryTable>> table_;
  std::size_t shard_;
  metrics::Counter reloadsOk_;
  metrics::Counter reloadsError_;
  metrics::Gauge destinations_;
  std::int64_t destinationsShown_ = 0;  // what destinations_ holds, to set it by difference
  // Last: destroyed first, so no poll runs into members already gone.
  FileWatcher watcher_;
};

}  // namespace wasmesh::proxy
