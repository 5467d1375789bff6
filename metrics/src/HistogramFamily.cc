#include "wasmesh/metrics/HistogramFamily.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace wasmesh::metrics {
namespace {

std::vector<double> validatedBounds(std::vector<double> bounds) {
  if (!bounds.empty() && std::isinf(bounds.back()) && bounds.back() > 0) {
    bounds.pop_back();
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      throw std::invalid_argument("histogram bucket bounds must be finite");
    }
    if (i > 0 && !(bounds[i - 1] < bounds[i])) {
      throw std::invalid_argument("histogram bucket bounds must be strictly increasing");
    }
  }
  return bounds;
}

}  // namespace

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<double> upperBounds, std::size_t shardCount,
                                 SeriesLimits limits)
    : Family(std::move(name), std::move(help), MetricType::Histogram),
      upperBounds_(validatedBounds(std::move(upperBounds))),
      series_(shardCount, Histogram::cellsFor(upperBounds_.size()), limits) {}

Histogram HistogramFamily::withLabels(const Labels& labels) {
  assert(std::none_of(labels.begin(), labels.end(),
                      [](const auto& label) { return label.first == "le"; }));
  return Histogram(series_.getOrCreate(labels), upperBounds_);
}

void HistogramFamily::collect(Sink& sink) {
  sink.family(name(), help(), type());
  const std::size_t buckets = upperBounds_.size() + 1;
  std::vector<std::uint64_t> cumulative(buckets);
  for (const auto& series : series_.snapshot()) {
    std::uint64_t running = 0;
    for (std::size_t bucket = 0; bucket < buckets; ++bucket) {
      running += series->cells.sum(bucket);
      cumulative[bucket] = running;
    }
    double sum = 0;
    for (std::size_t shard = 0; shard < series->cells.shardCount(); ++shard) {
      sum +=
          std::bit_cast<double>(series->cells.at(shard, buckets).load(std::memory_order_relaxed));
    }
    sink.histogram(series->labels, upperBounds_, cumulative, sum);
  }
}

}  // namespace wasmesh::metrics
