#include "wasmesh/metrics/GaugeFamily.h"

#include <cstdint>
#include <utility>

namespace wasmesh::metrics {

GaugeFamily::GaugeFamily(std::string name, std::string help, std::size_t shardCount,
                         SeriesLimits limits)
    : Family(std::move(name), std::move(help), MetricType::Gauge), series_(shardCount, 1, limits) {}

Gauge GaugeFamily::withLabels(const Labels& labels) {
  return Gauge(series_.getOrCreate(labels));
}

void GaugeFamily::collect(Sink& sink) {
  sink.family(name(), help(), type());
  for (const auto& series : series_.snapshot()) {
    const auto value = static_cast<std::int64_t>(series->cells.sum(0));
    sink.sample(series->labels, static_cast<double>(value));
  }
}

}  // namespace wasmesh::metrics
