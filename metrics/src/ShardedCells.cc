#include "wasmesh/metrics/detail/ShardedCells.h"

namespace wasmesh::metrics::detail {

ShardedCells::ShardedCells(std::size_t shardCount, std::size_t cellsPerShard)
    : shardCount_(shardCount),
      cellsPerShard_(cellsPerShard),
      linesPerShard_((cellsPerShard + kCellsPerLine - 1) / kCellsPerLine),
      // make_unique value-initializes, so every cell starts at zero.
      lines_(std::make_unique<Line[]>(shardCount * linesPerShard_)) {}

}  // namespace wasmesh::metrics::detail
