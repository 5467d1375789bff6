#include "wasmesh/identity/MeshTlsContext.h"

#include <array>

#include "wasmesh/identity/OpenSsl.h"
#include "wasmesh/identity/X509Svid.h"

namespace wasmesh::identity {
namespace {

// ALPN wire format: one length-prefixed name.
std::array<unsigned char, kMeshAlpn.size() + 1> alpnWire() {
  std::array<unsigned char, kMeshAlpn.size() + 1> wire{};
  wire[0] = static_cast<unsigned char>(kMeshAlpn.size());
  for (std::size_t i = 0; i < kMeshAlpn.size(); ++i)
    wire[i + 1] = static_cast<unsigned char>(kMeshAlpn[i]);
  return wire;
}

// A client that does not offer the mesh ALPN is not a wasmesh proxy: fail the handshake
// with no_application_protocol rather than guess what it will send.
int selectMeshAlpn(SSL* /*ssl*/, const unsigned char** out, unsigned char* outLength,
                   const unsigned char* offered, unsigned int offeredLength, void* /*arg*/) {
  static const auto kWire = alpnWire();
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outLength, kWire.data(), kWire.size(), offered,
                            offeredLength) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// The settings both directions share. The SSL_CTX_* macros with C casts are spelled as
// the SSL_CTX_ctrl calls they expand to.
Result<SSL_CTX*> newContext(const CertifiedKey& identity, const TrustBundle& bundle) {
  SSL_CTX* context = SSL_CTX_new(TLS_method());
  if (context == nullptr)
    return errc::invalid_svid;
  const auto fail = [&] {
    SSL_CTX_free(context);
    return Result<SSL_CTX*>(errc::invalid_svid);
  };
  if (SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_3_VERSION, nullptr) != 1 ||
      SSL_CTX_ctrl(context, SSL_CTRL_SET_MAX_PROTO_VERSION, TLS1_3_VERSION, nullptr) != 1) {
    return fail();
  }
  if (SSL_CTX_use_certificate(context, identity.chain.front().native()) != 1)
    return fail();
  for (std::size_t i = 1; i < identity.chain.size(); ++i) {
    if (SSL_CTX_ctrl(context, SSL_CTRL_CHAIN_CERT, 1, identity.chain[i].native()) != 1)
      return fail();
  }
  if (SSL_CTX_use_PrivateKey(context, identity.key.native()) != 1 ||
      SSL_CTX_check_private_key(context) != 1) {
    return fail();
  }
  auto store = bundle.newStore();
  if (!store)
    return fail();
  SSL_CTX_set_cert_store(context, store->release());  // the context owns it now
  SSL_CTX_ctrl(context, SSL_CTRL_SET_SESS_CACHE_MODE, SSL_SESS_CACHE_OFF, nullptr);
  SSL_CTX_set_options(context, SSL_OP_NO_TICKET);
  if (SSL_CTX_set_num_tickets(context, 0) != 1)
    return fail();
  return context;
}

}  // namespace

Result<std::shared_ptr<const MeshTlsContext>> MeshTlsContext::make(CertifiedKey identity,
                                                                   const TrustBundle& bundle) {
  const OpenSslErrorScope errors;
  auto server = newContext(identity, bundle);
  if (!server)
    return server.error();
  auto client = newContext(identity, bundle);
  if (!client) {
    SSL_CTX_free(*server);
    return client.error();
  }
  SSL_CTX_set_verify(*server, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_alpn_select_cb(*server, selectMeshAlpn, nullptr);
  SSL_CTX_set_verify(*client, SSL_VERIFY_PEER, nullptr);
  const auto wire = alpnWire();
  if (SSL_CTX_set_alpn_protos(*client, wire.data(), wire.size()) != 0) {  // 0 is success here
    SSL_CTX_free(*server);
    SSL_CTX_free(*client);
    return errc::invalid_svid;
  }
  return std::shared_ptr<const MeshTlsContext>(
      new MeshTlsContext(std::move(identity), *server, *client));
}

MeshTlsContext::~MeshTlsContext() {
  SSL_CTX_free(server_);
  SSL_CTX_free(client_);
}

Result<SpiffeId> peerIdentity(const SSL* ssl) {
  const OpenSslErrorScope errors;
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr || SSL_get_verify_result(ssl) != X509_V_OK)
    return errc::untrusted_certificate;
  if (X509_up_ref(peer) != 1)
    return errc::untrusted_certificate;
  auto certificate = Certificate::fromNative(X509Ptr(peer));
  if (!certificate)
    return certificate.error();
  return checkLeafSvid(*certificate);
}

Result<SpiffeId> expectPeerIdentity(const SSL* ssl, const SpiffeId& expected) {
  auto id = peerIdentity(ssl);
  if (!id)
    return id.error();
  if (!(*id == expected))
    return errc::identity_mismatch;
  return id;
}

}  // namespace wasmesh::identity
