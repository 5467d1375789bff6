#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Bytes for the TLS detection tests: real ClientHellos from OpenSSL, and hand-built ones
// whose every length can be made to lie.
namespace wasmesh::proxy::testing {

using Bytes = std::vector<std::uint8_t>;

struct OpenSslClient {
  int maxVersion = 0;             // TLS1_2_VERSION etc.; 0 = the library's highest (TLS 1.3)
  std::string serverName;         // no SNI when empty
  std::vector<std::string> alpn;  // no ALPN extension when empty
};

// The first flight OpenSSL writes for `client`: SSL_connect once over a memory BIO pair.
Bytes openSslClientHello(const OpenSslClient& client);

// Re-frames the handshake data of the single TLS record `hello` into several records, cut
// at the given offsets into the handshake data (increasing, each inside it).
Bytes splitIntoRecords(const Bytes& hello, const std::vector<std::size_t>& cuts);

// A ClientHello assembled from parts; each length is computed, so a test changes exactly the
// one it means to.
struct HelloParts {
  Bytes sessionId;
  Bytes cipherSuites = {0x13, 0x01, 0xc0, 0x2f};
  Bytes compressionMethods = {0x00};
  std::optional<Bytes> extensions = Bytes{};  // the block's contents; nullopt = no block
};

Bytes helloBody(const HelloParts& parts);
Bytes handshakeMessage(const Bytes& body);  // type 1 and a 3-byte length
Bytes record(const Bytes& fragment, std::uint8_t type = 22);
Bytes clientHello(const HelloParts& parts);  // record(handshakeMessage(helloBody(parts)))

Bytes extension(std::uint16_t type, const Bytes& data);
Bytes serverNameExtension(const std::string& hostName);
Bytes alpnExtension(const std::vector<std::string>& protocols);

Bytes concat(const Bytes& a, const Bytes& b);
Bytes bytesOf(std::string_view text);
void putU16(Bytes& bytes, std::size_t at, std::size_t value);

}  // namespace wasmesh::proxy::testing
