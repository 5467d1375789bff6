#include "wasmesh/metrics/Family.h"

#include <stdexcept>
#include <utility>

#include "Names.h"

namespace wasmesh::metrics {

Family::Family(std::string name, std::string help, MetricType type)
    : name_(std::move(name)), help_(std::move(help)), type_(type) {
  if (!detail::isValidMetricName(name_)) {
    throw std::invalid_argument("metric name \"" + name_ +
                                "\" is not a valid Prometheus metric name");
  }
  if (type_ == MetricType::Counter &&
      (!name_.ends_with(detail::kTotalSuffix) || name_.size() == detail::kTotalSuffix.size())) {
    // Keeps the name identical in both formats (OpenMetrics requires the suffix on samples)
    // and satisfies promtool's lint.
    throw std::invalid_argument("counter name \"" + name_ + "\" must end in _total");
  }
}

}  // namespace wasmesh::metrics
