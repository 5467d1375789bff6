#pragma once

#include <atomic>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "wasmesh/metrics/Labels.h"
#include "wasmesh/metrics/SeriesLimits.h"
#include "wasmesh/metrics/detail/Series.h"

namespace wasmesh::metrics::detail {

// The series of one family, by label set. Lookups take a mutex: they happen once per
// connection or request when a handle is made, never per byte.
//
// Bounded: at most `limits.maxSeries` label sets; past that, new ones share one overflow
// series whose every label value is "overflow", and folded() counts the lookups that landed
// there. A series with no handle left and unused for `limits.retainIdle` is dropped when
// the table is next snapshotted (a scrape), which also makes room under the cap.
class SeriesTable {
 public:
  static constexpr const char* kOverflowValue = "overflow";

  SeriesTable(std::size_t shardCount, std::size_t cellsPerShard, SeriesLimits limits);

  // Label values may come from peers (SNI, authority): invalid UTF-8 is replaced with U+FFFD
  // here, so that values differing only in invalid bytes share one series instead of
  // rendering as two series with the same labels.
  SeriesRef getOrCreate(const Labels& labels);

  // Drops idle series, then returns the rest in creation order (the overflow series last).
  // Cells are read without the lock; the shared pointers keep them alive meanwhile.
  std::vector<std::shared_ptr<const Series>> snapshot();

  std::uint64_t folded() const noexcept { return folded_.load(std::memory_order_relaxed); }
  std::size_t size() const;

 private:
  void dropIdle();

  std::size_t shardCount_;
  std::size_t cellsPerShard_;
  SeriesLimits limits_;
  mutable std::mutex mutex_;
  std::map<Labels, std::shared_ptr<Series>> byLabels_;
  std::vector<std::shared_ptr<Series>> inOrder_;
  std::shared_ptr<Series> overflow_;
  std::atomic<std::uint64_t> folded_{0};
};

}  // namespace wasmesh::metrics::detail
