#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "wasmesh/metrics/detail/Series.h"

namespace wasmesh::metrics {

// A handle to one gauge series. A gauge is sharded like a counter: each shard holds the net
// of its own additions and subtractions, which may be negative (a connection opened on one
// worker and closed from another shard), and only the sum over shards is meaningful.
// A default-constructed handle is unbound and ignores updates.
class Gauge {
 public:
  Gauge() = default;
  explicit Gauge(detail::SeriesRef series) noexcept : series_(std::move(series)) {}

  void add(std::size_t shard, std::int64_t delta = 1) const noexcept {
    if (auto* cells = series_.cells()) {
      cells->add(shard, 0, static_cast<std::uint64_t>(delta));
    }
  }
  void sub(std::size_t shard, std::int64_t delta = 1) const noexcept {
    if (auto* cells = series_.cells()) {
      cells->add(shard, 0, 0U - static_cast<std::uint64_t>(delta));
    }
  }

  std::int64_t value() const noexcept {
    return series_ ? static_cast<std::int64_t>(series_.cells()->sum(0)) : 0;
  }

  explicit operator bool() const noexcept { return static_cast<bool>(series_); }

 private:
  detail::SeriesRef series_;
};

}  // namespace wasmesh::metrics
