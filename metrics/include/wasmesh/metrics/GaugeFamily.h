#pragma once

#include <cstddef>
#include <string>

#include "wasmesh/metrics/Family.h"
#include "wasmesh/metrics/Gauge.h"
#include "wasmesh/metrics/detail/SeriesTable.h"

namespace wasmesh::metrics {

class GaugeFamily final : public Family {
 public:
  // Normally made through Registry::gauge().
  GaugeFamily(std::string name, std::string help, std::size_t shardCount, SeriesLimits limits = {});

  // Get-or-create; thread-safe. Make the handle once per connection, not per update.
  Gauge withLabels(const Labels& labels);

  void collect(Sink& sink) override;
  std::uint64_t foldedSeries() const noexcept override { return series_.folded(); }

 private:
  detail::SeriesTable series_;
};

}  // namespace wasmesh::metrics
