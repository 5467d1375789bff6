#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "wasmesh/metrics/detail/Series.h"

namespace wasmesh::metrics {

// A handle to one counter series, kept per connection or request; while it exists the
// series is never dropped as idle.
// A default-constructed handle is unbound: add() does nothing, so code paths whose metrics
// are optional need no branches of their own.
class Counter {
 public:
  Counter() = default;
  explicit Counter(detail::SeriesRef series) noexcept : series_(std::move(series)) {}

  // `shard` is the calling thread's shard (its worker index); each shard has one writer.
  void add(std::size_t shard, std::uint64_t n = 1) const noexcept {
    if (auto* cells = series_.cells()) {
      cells->add(shard, 0, n);
    }
  }

  // Sum over all shards; may lag concurrent writers slightly.
  std::uint64_t value() const noexcept { return series_ ? series_.cells()->sum(0) : 0; }

  explicit operator bool() const noexcept { return static_cast<bool>(series_); }

 private:
  detail::SeriesRef series_;
};

}  // namespace wasmesh::metrics
