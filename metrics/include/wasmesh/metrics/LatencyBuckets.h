#pragma once

#include <array>

namespace wasmesh::metrics {

// Linkerd's response_latency_ms bucket bounds in milliseconds (`+Inf` is implicit), so that
// Linkerd's dashboards and histogram_quantile() queries work unchanged.
inline constexpr std::array<double, 25> kLinkerdLatencyBucketsMs = {
    1,   2,   3,    4,    5,    10,   20,   30,    40,    50,    100,   200,  300,
    400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000};

}  // namespace wasmesh::metrics
