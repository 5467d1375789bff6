#include "wasmesh/metrics/detail/SeriesTable.h"

#include <algorithm>
#include <cassert>

#include "Names.h"
#include "Utf8.h"

namespace wasmesh::metrics::detail {
namespace {

bool needsSanitizing(const Labels& labels) {
  return std::any_of(labels.begin(), labels.end(),
                     [](const auto& label) { return !isValidUtf8(label.second); });
}

Labels sanitized(const Labels& labels) {
  Labels clean;
  clean.reserve(labels.size());
  for (const auto& [name, value] : labels) {
    std::string cleanValue;
    appendSanitizedUtf8(cleanValue, value);
    clean.emplace_back(name, std::move(cleanValue));
  }
  return clean;
}

}  // namespace

SeriesTable::SeriesTable(std::size_t shardCount, std::size_t cellsPerShard)
    : shardCount_(shardCount), cellsPerShard_(cellsPerShard) {}

ShardedCells& SeriesTable::getOrCreate(const Labels& labels) {
  // Label names are constants in our code, never peer input: a bad one is a programming error.
  assert(std::all_of(labels.begin(), labels.end(),
                     [](const auto& label) { return isValidLabelName(label.first); }));
  if (needsSanitizing(labels)) {
    return getOrCreate(sanitized(labels));
  }
  const std::lock_guard lock(mutex_);
  auto found = byLabels_.find(labels);
  if (found == byLabels_.end()) {
    found = byLabels_.emplace(labels, std::make_unique<Series>(labels, shardCount_, cellsPerShard_))
                .first;
    inOrder_.push_back(found->second.get());
  }
  return found->second->cells;
}

std::vector<const Series*> SeriesTable::snapshot() const {
  const std::lock_guard lock(mutex_);
  return inOrder_;
}

}  // namespace wasmesh::metrics::detail
