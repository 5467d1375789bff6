#pragma once

#include <cstddef>
#include <string>

#include "wasmesh/metrics/Counter.h"
#include "wasmesh/metrics/Family.h"
#include "wasmesh/metrics/detail/SeriesTable.h"

namespace wasmesh::metrics {

class CounterFamily final : public Family {
 public:
  // The name must end in `_total`. Normally made through Registry::counter().
  CounterFamily(std::string name, std::string help, std::size_t shardCount,
                SeriesLimits limits = {});

  // Get-or-create; thread-safe. Make the handle once per connection, not per update.
  Counter withLabels(const Labels& labels);

  void collect(Sink& sink) override;
  std::uint64_t foldedSeries() const noexcept override { return series_.folded(); }

 private:
  detail::SeriesTable series_;
};

}  // namespace wasmesh::metrics
