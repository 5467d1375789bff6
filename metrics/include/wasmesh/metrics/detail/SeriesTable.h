#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "wasmesh/metrics/Labels.h"
#include "wasmesh/metrics/detail/ShardedCells.h"

namespace wasmesh::metrics::detail {

struct Series {
  Series(Labels seriesLabels, std::size_t shardCount, std::size_t cellsPerShard)
      : labels(std::move(seriesLabels)), cells(shardCount, cellsPerShard) {}

  Labels labels;
  ShardedCells cells;
};

// The series of one family, by label set. Lookups take a mutex: they happen once per
// connection or request when a handle is made, never per byte. Series are heap-allocated
// and never removed, so the handles that point into them stay valid for the registry's life.
class SeriesTable {
 public:
  SeriesTable(std::size_t shardCount, std::size_t cellsPerShard);

  // Label values may come from peers (SNI, authority): invalid UTF-8 is replaced with U+FFFD
  // here, so that values differing only in invalid bytes share one series instead of
  // rendering as two series with the same labels.
  ShardedCells& getOrCreate(const Labels& labels);

  // The series in creation order, for a scrape. Cells are then read without the lock.
  std::vector<const Series*> snapshot() const;

 private:
  std::size_t shardCount_;
  std::size_t cellsPerShard_;
  mutable std::mutex mutex_;
  std::map<Labels, std::unique_ptr<Series>> byLabels_;
  std::vector<const Series*> inOrder_;
};

}  // namespace wasmesh::metrics::detail
