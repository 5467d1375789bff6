#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "wasmesh/proxy/ClientHello.h"

namespace wasmesh::proxy {

enum class DetectedProtocol { undecided, tls, http1, http2, opaque };

struct Detection {
  DetectedProtocol protocol = DetectedProtocol::undecided;
  ClientHello tls;          // when protocol == tls
  std::string_view reason;  // static text: why opaque (for debug logs), else empty
};

// Combines the TLS and HTTP detectors over the client's first bytes: a ClientHello is tls,
// the HTTP/2 preface http2, an HTTP/1 request line http1, anything else opaque. `undecided`
// means read more; once `bytes` holds `maxBytes` without a decision the answer is opaque.
// A TLS record that is not a valid ClientHello is opaque (forwarded untouched), with the
// parser's problem as the reason.
Detection detectProtocol(std::span<const std::uint8_t> bytes, std::size_t maxBytes = 8192);

// Whether undecided bytes deserve another read: a TLS record may span reads, and a request
// line that has its method and the start of a plausible target will be completed. A bare
// word ("hello", "PING", a lone "G") is not waited on: HTTP clients write the request line
// at once, while a client-first line protocol may be waiting for its answer, and holding it
// until the detect timeout would stall it. The proxy forwards such bytes as opaque.
bool worthWaitingForMore(std::span<const std::uint8_t> undecided);

}  // namespace wasmesh::proxy
