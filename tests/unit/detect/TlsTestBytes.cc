#include "TlsTestBytes.h"

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>

namespace wasmesh::proxy::testing {
namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
struct SslFree {
  void operator()(SSL* ssl) const { SSL_free(ssl); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

// Byte by byte: GCC 12 reports false -Warray-bounds for vector::insert of small ranges here.
void append(Bytes& to, const Bytes& from) {
  for (const std::uint8_t byte : from)
    to.push_back(byte);
}

void appendLength(Bytes& to, std::size_t length, std::size_t width) {
  for (std::size_t i = width; i-- > 0;)
    to.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

Bytes withLength(const Bytes& contents, std::size_t width) {
  Bytes out;
  appendLength(out, contents.size(), width);
  append(out, contents);
  return out;
}

}  // namespace

Bytes openSslClientHello(const OpenSslClient& client) {
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx)
    throw std::runtime_error("SSL_CTX_new failed");
  if (client.maxVersion != 0 && SSL_CTX_set_max_proto_version(ctx.get(), client.maxVersion) != 1)
    throw std::runtime_error("SSL_CTX_set_max_proto_version failed");
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  BIO* inside = nullptr;
  BIO* outside = nullptr;
  if (!ssl || BIO_new_bio_pair(&inside, 0, &outside, 0) != 1)
    throw std::runtime_error("SSL_new or BIO_new_bio_pair failed");
  std::unique_ptr<BIO, BioFree> network(outside);
  SSL_set_bio(ssl.get(), inside, inside);  // the SSL owns `inside` from here
  if (!client.serverName.empty()) {
    // OpenSSL's macro casts to void* C-style.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    const long named = SSL_set_tlsext_host_name(ssl.get(), client.serverName.c_str());
#pragma GCC diagnostic pop
    if (named != 1)
      throw std::runtime_error("SSL_set_tlsext_host_name failed");
  }
  if (!client.alpn.empty()) {
    Bytes wire;
    for (const auto& protocol : client.alpn)
      append(wire, withLength(bytesOf(protocol), 1));
    // Unlike the rest of OpenSSL, 0 is success here.
    if (SSL_set_alpn_protos(ssl.get(), wire.data(), static_cast<unsigned>(wire.size())) != 0)
      throw std::runtime_error("SSL_set_alpn_protos failed");
  }
  SSL_set_connect_state(ssl.get());
  if (SSL_connect(ssl.get()) == 1 || SSL_get_error(ssl.get(), -1) != SSL_ERROR_WANT_READ)
    throw std::runtime_error("SSL_connect did not stop for the server's answer");
  Bytes out;
  std::uint8_t chunk[4096];
  int n = 0;
  while ((n = BIO_read(network.get(), chunk, sizeof chunk)) > 0)
    out.insert(out.end(), chunk, chunk + n);
  return out;
}

Bytes splitIntoRecords(const Bytes& hello, const std::vector<std::size_t>& cuts) {
  const Bytes data(hello.begin() + 5, hello.end());
  Bytes out;
  std::size_t from = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t to = i < cuts.size() ? cuts[i] : data.size();
    append(out, record(Bytes(data.begin() + static_cast<std::ptrdiff_t>(from),
                             data.begin() + static_cast<std::ptrdiff_t>(to))));
    from = to;
  }
  return out;
}

Bytes helloBody(const HelloParts& parts) {
  Bytes body(2 + 32, 0xAB);  // legacy_version, then the random
  body[0] = 0x03;
  body[1] = 0x03;
  append(body, withLength(parts.sessionId, 1));
  append(body, withLength(parts.cipherSuites, 2));
  append(body, withLength(parts.compressionMethods, 1));
  if (parts.extensions)
    append(body, withLength(*parts.extensions, 2));
  return body;
}

Bytes handshakeMessage(const Bytes& body) {
  Bytes out = {0x01};
  append(out, withLength(body, 3));
  return out;
}

Bytes record(const Bytes& fragment, std::uint8_t type) {
  Bytes out = {type, 0x03, 0x01};
  append(out, withLength(fragment, 2));
  return out;
}

Bytes clientHello(const HelloParts& parts) {
  return record(handshakeMessage(helloBody(parts)));
}

Bytes extension(std::uint16_t type, const Bytes& data) {
  Bytes out;
  appendLength(out, type, 2);
  append(out, withLength(data, 2));
  return out;
}

Bytes serverNameExtension(const std::string& hostName) {
  Bytes entry = {0x00};  // host_name
  append(entry, withLength(bytesOf(hostName), 2));
  return extension(0, withLength(entry, 2));
}

Bytes alpnExtension(const std::vector<std::string>& protocols) {
  Bytes list;
  for (const auto& protocol : protocols)
    append(list, withLength(bytesOf(protocol), 1));
  return extension(16, withLength(list, 2));
}

Bytes concat(const Bytes& a, const Bytes& b) {
  Bytes out = a;
  append(out, b);
  return out;
}

Bytes bytesOf(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

void putU16(Bytes& bytes, std::size_t at, std::size_t value) {
  bytes.at(at) = static_cast<std::uint8_t>(value >> 8);
  bytes.at(at + 1) = static_cast<std::uint8_t>(value);
}

}  // namespace wasmesh::proxy::testing
