#pragma once

#include <string>
#include <string_view>

namespace wasmesh::metrics::detail {

bool isValidUtf8(std::string_view text) noexcept;

// Appends `text` with every byte that does not start a valid UTF-8 sequence replaced by
// U+FFFD. Prometheus rejects a whole scrape over one invalid label value, and label values
// can come from peers.
void appendSanitizedUtf8(std::string& out, std::string_view text);

}  // namespace wasmesh::metrics::detail
