#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "wasmesh/metrics/Labels.h"
#include "wasmesh/metrics/detail/ShardedCells.h"

namespace wasmesh::metrics::detail {

// One series: its labels, its cells, and what its table needs to drop it once idle: how many
// handles point at it and when the last one went away.
struct Series {
  Series(Labels seriesLabels, std::size_t shardCount, std::size_t cellsPerShard)
      : labels(std::move(seriesLabels)), cells(shardCount, cellsPerShard) {}

  Labels labels;
  ShardedCells cells;
  std::atomic<std::uint32_t> handles{0};
  // steady_clock ticks at the latest handle release; written before the count drops, so a
  // table that sees no handles also sees when they went.
  std::atomic<std::int64_t> lastReleased{0};
};

// A counted reference to a series, held by the Counter, Gauge and Histogram handles: while any
// exists the series is never dropped, so the cells it points to stay valid. Copies cost an
// atomic increment; make handles once per connection or request, not per update.
class SeriesRef {
 public:
  SeriesRef() = default;
  // Only a SeriesTable makes references, under its lock.
  explicit SeriesRef(Series* series) noexcept : series_(series) { acquire(); }
  SeriesRef(const SeriesRef& other) noexcept : series_(other.series_) { acquire(); }
  SeriesRef(SeriesRef&& other) noexcept : series_(std::exchange(other.series_, nullptr)) {}
  SeriesRef& operator=(const SeriesRef& other) noexcept {
    if (this != &other) {
      release();
      series_ = other.series_;
      acquire();
    }
    return *this;
  }
  SeriesRef& operator=(SeriesRef&& other) noexcept {
    if (this != &other) {
      release();
      series_ = std::exchange(other.series_, nullptr);
    }
    return *this;
  }
  ~SeriesRef() { release(); }

  ShardedCells* cells() const noexcept { return series_ != nullptr ? &series_->cells : nullptr; }
  explicit operator bool() const noexcept { return series_ != nullptr; }

 private:
  void acquire() noexcept {
    if (series_ != nullptr)
      series_->handles.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (series_ == nullptr)
      return;
    series_->lastReleased.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                                std::memory_order_relaxed);
    series_->handles.fetch_sub(1, std::memory_order_release);
    series_ = nullptr;
  }

  Series* series_ = nullptr;
};

}  // namespace wasmesh::metrics::detail
