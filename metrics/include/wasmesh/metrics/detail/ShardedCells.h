#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace wasmesh::metrics::detail {

// 64 bytes is the line size of the x86-64 and arm64 cores we target. The standard's
// hardware_destructive_interference_size is avoided because GCC warns that its value
// depends on -mtune and so may differ between translation units.
inline constexpr std::size_t kCacheLineBytes = 64;

// The storage of one series: per shard, a run of 64-bit cells that starts on its own cache
// line, so two workers updating the same series never write to the same line.
//
// Each shard has exactly one writer thread, so an update is a relaxed load and store of
// the cell rather than a read-modify-write: no lock prefix, no line bouncing. Readers
// (the scrape) sum all shards with relaxed loads; they may see a slightly stale value,
// never a torn one.
class ShardedCells {
 public:
  ShardedCells(std::size_t shardCount, std::size_t cellsPerShard);

  std::size_t shardCount() const noexcept { return shardCount_; }
  std::size_t cellsPerShard() const noexcept { return cellsPerShard_; }

  std::atomic<std::uint64_t>& at(std::size_t shard, std::size_t index) noexcept {
    assert(shard < shardCount_ && index < cellsPerShard_);
    return lines_[shard * linesPerShard_ + index / kCellsPerLine].cells[index % kCellsPerLine];
  }
  const std::atomic<std::uint64_t>& at(std::size_t shard, std::size_t index) const noexcept {
    assert(shard < shardCount_ && index < cellsPerShard_);
    return lines_[shard * linesPerShard_ + index / kCellsPerLine].cells[index % kCellsPerLine];
  }

  // Only the shard's owning thread may call this. Unsigned wrap-around is intended: gauges
  // store their signed deltas in two's complement and the shard sum wraps back correctly.
  void add(std::size_t shard, std::size_t index, std::uint64_t n) noexcept {
    std::atomic<std::uint64_t>& cell = at(shard, index);
    cell.store(cell.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }

  // Sum of one cell over all shards.
  std::uint64_t sum(std::size_t index) const noexcept {
    std::uint64_t total = 0;
    for (std::size_t shard = 0; shard < shardCount_; ++shard) {
      total += at(shard, index).load(std::memory_order_relaxed);
    }
    return total;
  }

 private:
  static constexpr std::size_t kCellsPerLine = kCacheLineBytes / sizeof(std::atomic<std::uint64_t>);
  static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

  struct alignas(kCacheLineBytes) Line {
    std::array<std::atomic<std::uint64_t>, kCellsPerLine> cells{};
  };

  std::size_t shardCount_;
  std::size_t cellsPerShard_;
  std::size_t linesPerShard_;
  std::unique_ptr<Line[]> lines_;
};

}  // namespace wasmesh::metrics::detail
