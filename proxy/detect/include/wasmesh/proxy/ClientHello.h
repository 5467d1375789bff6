#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wasmesh::proxy {

// What inbound TLS routing needs from a client's first flight.
struct ClientHello {
  std::string serverName;         // SNI host_name; empty when the extension is absent
  std::vector<std::string> alpn;  // protocol names in the client's order
};

enum class ClientHelloStatus {
  complete,    // a whole ClientHello was parsed
  incomplete,  // the bytes so far are a valid prefix of one: read more
  notTls,      // the first bytes are not a TLS handshake record
  malformed,   // a TLS handshake record, but lengths or contents are invalid or too large
};

struct ClientHelloParse {
  ClientHelloStatus status = ClientHelloStatus::incomplete;
  ClientHello hello;         // filled when complete
  std::string_view problem;  // static text saying what was wrong, when malformed
};

// Parses the TLS records that start `bytes` (the client's first bytes on a connection). The
// handshake message may span several records and arrive split across reads: call again with
// the longer buffer. Never reads outside `bytes`; every length is checked against its
// container. A ClientHello that would need more than `maxBytes` of records is malformed, so
// a peer that lies about lengths gets a decision, not an unbounded buffer: the check uses the
// declared lengths, so it is taken as soon as the headers arrive, not after `maxBytes` bytes.
// The answer is `complete` as soon as the handshake message is: the rest of its record and
// anything after it (early data, further records) is not looked at. A status other than
// `incomplete` never changes when more bytes are appended.
ClientHelloParse parseClientHello(std::span<const std::uint8_t> bytes, std::size_t maxBytes = 8192);

}  // namespace wasmesh::proxy
