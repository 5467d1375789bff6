#pragma once

#include <cstddef>
#include <cstdint>

#include "wasmesh/metrics/detail/ShardedCells.h"

namespace wasmesh::metrics {

// A handle to one counter series: a pointer, cheap to copy and keep per connection.
// A default-constructed handle is unbound: add() does nothing, so code paths whose metrics
// are optional need no branches of their own.
class Counter {
 public:
  Counter() = default;
  explicit Counter(detail::ShardedCells* cells) noexcept : cells_(cells) {}

  // `shard` is the calling thread's shard (its worker index); each shard has one writer.
  void add(std::size_t shard, std::uint64_t n = 1) const noexcept {
    if (cells_ != nullptr) {
      cells_->add(shard, 0, n);
    }
  }

  // Sum over all shards; may lag concurrent writers slightly.
  std::uint64_t value() const noexcept { return cells_ != nullptr ? cells_->sum(0) : 0; }

  explicit operator bool() const noexcept { return cells_ != nullptr; }

 private:
  detail::ShardedCells* cells_ = nullptr;
};

}  // namespace wasmesh::metrics
