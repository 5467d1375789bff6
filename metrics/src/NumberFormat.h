#pragma once

#include <string>

namespace wasmesh::metrics::detail {

// A sample value: integral values as plain integers (no exponent, no ".0"), others in the
// shortest form that reads back to the same double; +Inf, -Inf and NaN as Prometheus spells
// them.
void appendValue(std::string& out, double value);

// A bucket bound in Prometheus text: Go's strconv.FormatFloat(v, 'g', -1, 64), as the Go
// client writes `le`, so series keep their identity next to Go-instrumented peers.
void appendBoundText(std::string& out, double bound);

// A bucket bound in OpenMetrics: the same, but always a float ("1.0", "1e+06", "+Inf"), as
// OpenMetrics requires canonical float `le` values.
void appendBoundOpenMetrics(std::string& out, double bound);

}  // namespace wasmesh::metrics::detail
