#pragma once

#include <string>
#include <utility>
#include <vector>

namespace wasmesh::metrics {

// Label pairs of one series, emitted in the given order. A vector rather than a map because
// Linkerd's dashboards do not care about order but diffs of scrapes read better when it is stable.
using Labels = std::vector<std::pair<std::string, std::string>>;

}  // namespace wasmesh::metrics
