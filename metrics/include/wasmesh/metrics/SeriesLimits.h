#pragma once

#include <chrono>
#include <cstddef>

namespace wasmesh::metrics {

// Bounds on the series of every family of a registry. Some label values come from peers
// (a target port, an SNI, an authority), so without a bound anyone able to connect could grow
// the proxy's memory and every scrape.
struct SeriesLimits {
  // Distinct label sets per family. Beyond it a new label set is folded into the family's
  // one overflow series (every label "overflow") and counted in
  // wasmesh_metrics_series_folded_total{family}.
  std::size_t maxSeries = 5000;
  // A series no handle has used for this long is dropped at the next scrape, as Linkerd
  // drops series idle for 10 minutes. Zero keeps series for the registry's life.
  std::chrono::steady_clock::duration retainIdle = std::chrono::minutes(10);
};

}  // namespace wasmesh::metrics
