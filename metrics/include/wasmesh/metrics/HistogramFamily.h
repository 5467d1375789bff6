#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "wasmesh/metrics/Family.h"
#include "wasmesh/metrics/Histogram.h"
#include "wasmesh/metrics/detail/SeriesTable.h"

namespace wasmesh::metrics {

class HistogramFamily final : public Family {
 public:
  // Bounds must be finite and strictly increasing (a trailing +Inf is accepted and dropped:
  // the `+Inf` bucket is always there). Throws std::invalid_argument otherwise.
  // Normally made through Registry::histogram().
  HistogramFamily(std::string name, std::string help, std::vector<double> upperBounds,
                  std::size_t shardCount, SeriesLimits limits = {});

  // Get-or-create; thread-safe. Make the handle once per request, not per observation.
  // The label name `le` is reserved for the buckets.
  Histogram withLabels(const Labels& labels);

  std::span<const double> upperBounds() const noexcept { return upperBounds_; }

  void collect(Sink& sink) override;
  std::uint64_t foldedSeries() const noexcept override { return series_.folded(); }

 private:
  std::vector<double> upperBounds_;
  detail::SeriesTable series_;
};

}  // namespace wasmesh::metrics
