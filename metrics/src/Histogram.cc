#include "wasmesh/metrics/Histogram.h"

namespace wasmesh::metrics {

std::uint64_t Histogram::count() const noexcept {
  const auto* cells = series_.cells();
  if (cells == nullptr) {
    return 0;
  }
  std::uint64_t total = 0;
  for (std::size_t bucket = 0; bucket <= upperBounds_.size(); ++bucket) {
    total += cells->sum(bucket);
  }
  return total;
}

double Histogram::sum() const noexcept {
  const auto* cells = series_.cells();
  if (cells == nullptr) {
    return 0;
  }
  double total = 0;
  for (std::size_t shard = 0; shard < cells->shardCount(); ++shard) {
    total += std::bit_cast<double>(cells->at(shard, sumIndex()).load(std::memory_order_relaxed));
  }
  return total;
}

}  // namespace wasmesh::metrics
