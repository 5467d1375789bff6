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

Labels overflowLabels(const Labels& labels) {
  Labels folded;
  folded.reserve(labels.size());
  for (const auto& label : labels)
    folded.emplace_back(label.first, SeriesTable::kOverflowValue);
  return folded;
}

bool isIdle(const Series& series, std::int64_t now, std::int64_t retain) {
  return series.handles.load(std::memory_order_acquire) == 0 &&
         now - series.lastReleased.load(std::memory_order_relaxed) >= retain;
}

}  // namespace

SeriesTable::SeriesTable(std::size_t shardCount, std::size_t cellsPerShard, SeriesLimits limits)
    : shardCount_(shardCount), cellsPerShard_(cellsPerShard), limits_(limits) {}

SeriesRef SeriesTable::getOrCreate(const Labels& labels) {
  // Label names are constants in our code, never peer input: a bad one is a programming error.
  assert(std::all_of(labels.begin(), labels.end(),
                     [](const auto& label) { return isValidLabelName(label.first); }));
  if (needsSanitizing(labels)) {
    return getOrCreate(sanitized(labels));
  }
  const std::lock_guard lock(mutex_);
  auto found = byLabels_.find(labels);
  if (found != byLabels_.end())
    return SeriesRef(found->second.get());
  if (byLabels_.size() >= limits_.maxSeries) {
    folded_.fetch_add(1, std::memory_order_relaxed);
    if (!overflow_)
      overflow_ = std::make_shared<Series>(overflowLabels(labels), shardCount_, cellsPerShard_);
    return SeriesRef(overflow_.get());
  }
  auto series = std::make_shared<Series>(labels, shardCount_, cellsPerShard_);
  SeriesRef ref(series.get());
  inOrder_.push_back(series);
  byLabels_.emplace(labels, std::move(series));
  return ref;
}

void SeriesTable::dropIdle() {
  if (limits_.retainIdle.count() <= 0)
    return;
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const auto retain = limits_.retainIdle.count();
  // Decided once per series: a handle may be released on a worker meanwhile, and the map
  // and the order must drop exactly the same series.
  std::vector<const Series*> dropped;
  std::erase_if(byLabels_, [&](const auto& entry) {
    if (!isIdle(*entry.second, now, retain))
      return false;
    dropped.push_back(entry.second.get());
    return true;
  });
  if (!dropped.empty()) {
    std::sort(dropped.begin(), dropped.end());
    std::erase_if(inOrder_, [&](const std::shared_ptr<Series>& series) {
      return std::binary_search(dropped.begin(), dropped.end(), series.get());
    });
  }
  if (overflow_ && isIdle(*overflow_, now, retain))
    overflow_.reset();
}

std::vector<std::shared_ptr<const Series>> SeriesTable::snapshot() {
  const std::lock_guard lock(mutex_);
  dropIdle();
  std::vector<std::shared_ptr<const Series>> out(inOrder_.begin(), inOrder_.end());
  if (overflow_)
    out.push_back(overflow_);
  return out;
}

std::size_t SeriesTable::size() const {
  const std::lock_guard lock(mutex_);
  return byLabels_.size();
}

}  // namespace wasmesh::metrics::detail
