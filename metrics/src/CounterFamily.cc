#include "wasmesh/metrics/CounterFamily.h"

#include <utility>

namespace wasmesh::metrics {

CounterFamily::CounterFamily(std::string name, std::string help, std::size_t shardCount,
                             SeriesLimits limits)
    : Family(std::move(name), std::move(help), MetricType::Counter),
      series_(shardCount, 1, limits) {}

Counter CounterFamily::withLabels(const Labels& labels) {
  return Counter(series_.getOrCreate(labels));
}

void CounterFamily::collect(Sink& sink) {
  sink.family(name(), help(), type());
  for (const auto& series : series_.snapshot()) {
    sink.sample(series->labels, static_cast<double>(series->cells.sum(0)));
  }
}

}  // namespace wasmesh::metrics
