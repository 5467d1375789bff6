#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

#include "wasmesh/metrics/detail/Series.h"

namespace wasmesh::metrics {

// A handle to one histogram series. Per shard it keeps one non-cumulative count per bucket
// (the last one is `+Inf`) and the sum of observations as the bits of a double. The total
// count is not stored: the scrape derives it from the buckets, so `_count` always equals
// the `+Inf` bucket even while workers are writing.
class Histogram {
 public:
  Histogram() = default;
  Histogram(detail::SeriesRef series, std::span<const double> upperBounds) noexcept
      : series_(std::move(series)), upperBounds_(upperBounds) {}

  // A NaN observation is dropped: it would turn the sum into NaN for the life of the process.
  void observe(std::size_t shard, double value) const noexcept {
    auto* cells = series_.cells();
    if (cells == nullptr || std::isnan(value)) {
      return;
    }
    // Bucket i counts values <= upperBounds[i] (Prometheus `le`).
    const auto bucket = static_cast<std::size_t>(
        std::lower_bound(upperBounds_.begin(), upperBounds_.end(), value) - upperBounds_.begin());
    cells->add(shard, bucket, 1);
    std::atomic<std::uint64_t>& sumCell = cells->at(shard, sumIndex());
    const double sum = std::bit_cast<double>(sumCell.load(std::memory_order_relaxed));
    sumCell.store(std::bit_cast<std::uint64_t>(sum + value), std::memory_order_relaxed);
  }

  std::uint64_t count() const noexcept;
  double sum() const noexcept;

  explicit operator bool() const noexcept { return static_cast<bool>(series_); }

  // Cell layout shared with HistogramFamily: buckets, then the sum.
  static constexpr std::size_t cellsFor(std::size_t boundCount) noexcept { return boundCount + 2; }

 private:
  std::size_t sumIndex() const noexcept { return upperBounds_.size() + 1; }

  detail::SeriesRef series_;
  std::span<const double> upperBounds_;
};

}  // namespace wasmesh::metrics
