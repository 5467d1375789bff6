#pragma once

#include <string_view>

namespace wasmesh::metrics::detail {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool isValidMetricName(std::string_view name) noexcept;
// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool isValidLabelName(std::string_view name) noexcept;

inline constexpr std::string_view kTotalSuffix = "_total";

}  // namespace wasmesh::metrics::detail
