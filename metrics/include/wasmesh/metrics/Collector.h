#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "wasmesh/metrics/Labels.h"

namespace wasmesh::metrics {

enum class MetricType { Counter, Gauge, Histogram };

// Receives one scrape's samples. A collector declares a family, then writes its samples; a
// family that receives no samples is left out of the exposition entirely.
class Sink {
 public:
  virtual ~Sink() = default;

  // Counter names end in `_total` (as Prometheus text shows them); the OpenMetrics writer
  // strips the suffix from the family name itself. A name that is invalid, or already used
  // in this scrape, makes the writer drop the family and its samples rather than emit an
  // exposition Prometheus would reject as a whole.
  virtual void family(std::string_view name, std::string_view help, MetricType type) = 0;

  // A counter or gauge sample of the current family.
  virtual void sample(const Labels& labels, double value) = 0;

  // A histogram sample of the current family: cumulativeCounts[i] counts observations
  // <= upperBounds[i], and one more element (the `+Inf` bucket) holds the total count.
  virtual void histogram(const Labels& labels, std::span<const double> upperBounds,
                         std::span<const std::uint64_t> cumulativeCounts, double sum) = 0;
};

// Produces samples at scrape time, for values that live elsewhere (process statistics,
// certificate expiry). Called on the scraping thread, never on a worker's hot path.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual void collect(Sink& sink) = 0;
};

}  // namespace wasmesh::metrics
