#pragma once

#include <cstddef>
#include <cstdint>

#include "wasmesh/metrics/detail/ShardedCells.h"

namespace wasmesh::metrics {

// A handle to one gauge series. A gauge is sharded like a counter: each shard holds the net
// of its own additions and subtractions, which may be negative (a connection opened on one
// worker and closed from another shard), and only the sum over shards is meaningful.
// A default-constructed handle is unbound and ignores updates.
class Gauge {
 public:
  Gauge() = default;
  explicit Gauge(detail::ShardedCells* cells) noexcept : cells_(cells) {}

  void add(std::size_t shard, std::int64_t delta = 1) const noexcept {
    if (cells_ != nullptr) {
      cells_->add(shard, 0, static_cast<std::uint64_t>(delta));
    }
  }
  void sub(std::size_t shard, std::int64_t delta = 1) const noexcept {
    if (cells_ != nullptr) {
      cells_->add(shard, 0, 0U - static_cast<std::uint64_t>(delta));
    }
  }

  std::int64_t value() const noexcept {
    return cells_ != nullptr ? static_cast<std::int64_t>(cells_->sum(0)) : 0;
  }

  explicit operator bool() const noexcept { return cells_ != nullptr; }

 private:
  detail::ShardedCells* cells_ = nullptr;
};

}  // namespace wasmesh::metrics
