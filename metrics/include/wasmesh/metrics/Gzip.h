#pragma once

#include <string>
#include <string_view>

namespace wasmesh::metrics {

// A complete gzip member (RFC 1952) holding `data`. On any zlib failure it returns an empty
// string and the caller sends the body uncompressed: a scrape must never fail over gzip.
// Note that a successful result is never empty (the gzip header alone is 10 bytes).
std::string gzipCompress(std::string_view data);

}  // namespace wasmesh::metrics
