#pragma once

#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {

// The mesh transport header a client proxy writes on a `wasmesh.io/transport/1` TLS
// connection before any application byte. docs/mesh-transport.md specifies every byte:
//   "wasmesh/1\r\n" | record length (u32 BE, 10..1024) | record
//   record = version (u8, 1) | TLVs: type (u8) | length (u16 BE) | value
// TLVs appear in strictly ascending type order, so every header has exactly one encoding.

// What the server proxy does with the bytes after the header.
enum class SessionProtocol : std::uint8_t {
  opaque = 0,  // forward byte for byte
  http1 = 1,   // HTTP/1, known to the client proxy
  http2 = 2,   // HTTP/2, known to the client proxy
  detect = 3,  // the client proxy did not look: the server proxy detects
};

struct TransportHeader {
  std::uint16_t targetPort = 0;  // the port on the server's pod, 1..65535
  SessionProtocol protocol = SessionProtocol::opaque;
  // The Wasm component the connection is for: a DNS label (RFC 1123: 1..63 of [a-z0-9-],
  // starting and ending alphanumeric), as in component identities and server names.
  std::optional<std::string> component;

  bool operator==(const TransportHeader&) const = default;
};

inline constexpr std::string_view kTransportMagic = "wasmesh/1\r\n";
inline constexpr std::size_t kMaxTransportRecordBytes = 1024;
// Magic, length and the longest record: a buffer this long always gets a decision.
inline constexpr std::size_t kMaxTransportHeaderBytes = 11 + 4 + kMaxTransportRecordBytes;
static_assert(kTransportMagic.size() == 11);

// The canonical encoding of `header`. A header the decoder would refuse (port 0, a protocol
// outside the enum, a component that is not a DNS label) is errc::invalid_transport_header
// rather than bytes the peer would refuse later, so a client proxy learns about a bad
// component name from its own configuration, not from a refused connection.
Result<std::vector<std::uint8_t>> encodeTransportHeader(const TransportHeader& header);

struct TransportHeaderDecode {
  enum class Status {
    complete,    // a whole, valid header: `header` and `consumed` are set
    incomplete,  // a valid prefix of a header: read more and call again
    invalid,     // can never become a valid header: refuse the connection
  };
  Status status = Status::incomplete;
  TransportHeader header;  // when complete
  // Header bytes when complete, 0 otherwise; the bytes after them are application data.
  std::size_t consumed = 0;
  // When invalid: errc::transport_header_too_large for a declared record length above
  // kMaxTransportRecordBytes, errc::invalid_transport_header for everything else.
  boost::system::error_code error;
  std::string_view problem;  // static text for logs, when invalid
};

// Decodes the header at the start of `bytes`, everything read from the connection so far;
// pieces may be split anywhere, so call again with the longer buffer while `incomplete`.
// Never reads outside `bytes`, and never past the header: bytes after it are not looked at.
// Refuses as soon as a field is complete and wrong (the magic byte by byte, a record length
// out of range as soon as its 4 bytes are there, without waiting for the record), so a peer
// that is not a wasmesh proxy is not waited on. A status other than `incomplete` never
// changes when bytes are appended, and `bytes` of kMaxTransportHeaderBytes or more are
// never `incomplete`.
TransportHeaderDecode decodeTransportHeader(std::span<const std::uint8_t> bytes);

}  // namespace wasmesh::proxy
