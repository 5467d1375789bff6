#pragma once

#include <cstdint>
#include <span>

namespace wasmesh::proxy {

enum class HttpDetection {
  incomplete,  // a valid prefix of an HTTP/1 request line or of the HTTP/2 preface
  http1,       // a complete HTTP/1.0 or HTTP/1.1 request line, CRLF-terminated
  http2,       // the complete 24-byte HTTP/2 prior-knowledge connection preface
  notHttp,     // cannot become either: decided as soon as one byte rules both out
};

// Classifies a client's first bytes. Decides as early as the bytes allow, so binary garbage
// is recognised on its first byte and a slow client is not waited on longer than needed.
HttpDetection detectHttp(std::span<const std::uint8_t> bytes);

}  // namespace wasmesh::proxy
