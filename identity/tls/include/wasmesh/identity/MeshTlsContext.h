#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string_view>

#include "wasmesh/identity/CertifiedKey.h"
#include "wasmesh/identity/TrustBundle.h"

namespace wasmesh::identity {

// The ALPN protocol of the mesh transport (docs/mesh-transport.md).
inline constexpr std::string_view kMeshAlpn = "wasmesh.io/transport/1";

// TLS for one local identity: a server context that terminates mesh TLS as it (client
// certificate required and verified) and a client context that presents it to peers.
// Both are TLS 1.3 only, verify against the trust bundle, offer or accept only the mesh
// ALPN, and keep no sessions (a resumed session would skip the certificate checks that
// rotation and revocation by expiry rely on). Immutable: a rotation builds a new one, and
// connections keep the SSL_CTX they started with (OpenSSL counts references).
class MeshTlsContext {
 public:
  static Result<std::shared_ptr<const MeshTlsContext>> make(CertifiedKey identity,
                                                            const TrustBundle& bundle);
  ~MeshTlsContext();
  MeshTlsContext(const MeshTlsContext&) = delete;
  MeshTlsContext& operator=(const MeshTlsContext&) = delete;

  SSL_CTX* serverContext() const noexcept { return server_; }
  SSL_CTX* clientContext() const noexcept { return client_; }
  const CertifiedKey& identity() const noexcept { return identity_; }

 private:
  MeshTlsContext(CertifiedKey identity, SSL_CTX* server, SSL_CTX* client)
      : identity_(std::move(identity)), server_(server), client_(client) {}

  CertifiedKey identity_;
  SSL_CTX* server_;
  SSL_CTX* client_;
};

// After a completed handshake: the SPIFFE ID the peer proved (its chain was verified
// against the trust bundle during the handshake; this reads and checks its leaf).
Result<SpiffeId> peerIdentity(const SSL* ssl);

// Client side: the server must be exactly `expected` (errc::identity_mismatch otherwise).
Result<SpiffeId> expectPeerIdentity(const SSL* ssl, const SpiffeId& expected);

}  // namespace wasmesh::identity
