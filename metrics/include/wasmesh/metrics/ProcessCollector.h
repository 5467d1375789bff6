#pragma once

#include <filesystem>
#include <optional>

#include "wasmesh/metrics/Collector.h"

namespace wasmesh::metrics {

// The process_* families with the Prometheus client libraries' names, help texts and units:
// process_start_time_seconds, process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_open_fds, process_max_fds, process_threads.
// Read from procfs at every scrape; a file that cannot be read just leaves its families out.
class ProcessCollector final : public Collector {
 public:
  ProcessCollector();
  // Reads `<procRoot>/self/...` and `<procRoot>/stat` instead of /proc (for tests).
  explicit ProcessCollector(std::filesystem::path procRoot);

  void collect(Sink& sink) override;

 private:
  std::filesystem::path procRoot_;
  // Boot time (Unix seconds) from /proc/stat, fixed for the life of the process.
  std::optional<double> bootTimeSeconds_;
  double ticksPerSecond_;
  double pageSizeBytes_;
};

}  // namespace wasmesh::metrics
