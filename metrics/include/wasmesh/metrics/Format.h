#pragma once

#include <string_view>

namespace wasmesh::metrics {

enum class Format { PrometheusText004, OpenMetrics100 };

// OpenMetrics only when the Accept header lists application/openmetrics-text with a q above
// zero and at least as high as the best match for the Prometheus text format; anything else
// (no header, */*, text/plain, garbage) gets Prometheus text 0.0.4, which every scraper reads.
Format negotiateFormat(std::string_view acceptHeader);

// The Content-Type header value for a response in `format`.
std::string_view contentType(Format format);

// True when Accept-Encoding lists gzip (or its alias x-gzip) with a q above zero.
bool acceptsGzip(std::string_view acceptEncodingHeader);

}  // namespace wasmesh::metrics
