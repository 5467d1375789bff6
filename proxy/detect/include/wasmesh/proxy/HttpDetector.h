#pragma once

#include <cstddef>
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

// The 9-byte frame header an HTTP/2 server's connection preface starts with: a SETTINGS
// frame (type 4, no ACK flag, stream 0, length a multiple of 6 within the default maximum
// frame size). RFC 9113 lets a server send it on accept, before the client's preface, and
// many do (nghttpd, Go's h2c and gRPC servers), so seeing it from the server first does
// not make the connection server-first: its client is about to send the HTTP/2 preface.
inline constexpr std::size_t kHttp2FrameHeaderSize = 9;
bool isHttp2ServerPreface(std::span<const std::uint8_t, kHttp2FrameHeaderSize> header);

}  // namespace wasmesh::proxy
