#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <string>

#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/MeshTlsContext.h"

namespace wasmesh::identity {
namespace {

using Clock = std::chrono::system_clock;
using std::chrono::hours;

// Two SSL objects talking through an in-memory BIO pair: a real TLS handshake, no sockets.
class Handshake {
 public:
  Handshake(SSL_CTX* clientContext, SSL_CTX* serverContext, const std::string& sni)
      : client_(SSL_new(clientContext)), server_(SSL_new(serverContext)) {
    BIO* clientEnd = nullptr;
    BIO* serverEnd = nullptr;
    BIO_new_bio_pair(&clientEnd, 0, &serverEnd, 0);
    SSL_set_bio(client_, clientEnd, clientEnd);
    SSL_set_bio(server_, serverEnd, serverEnd);
    SSL_set_connect_state(client_);
    SSL_set_accept_state(server_);
    SSL_ctrl(client_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(sni.c_str()));
  }
  ~Handshake() {
    SSL_free(client_);
    SSL_free(server_);
  }
  Handshake(const Handshake&) = delete;
  Handshake& operator=(const Handshake&) = delete;

  // True when both sides completed; false as soon as either fails.
  bool run() {
    bool clientDone = false;
    bool serverDone = false;
    for (int round = 0; round < 50 && !(clientDone && serverDone); ++round) {
      if (!clientDone && !step(client_, clientDone))
        return false;
      if (!serverDone && !step(server_, serverDone))
        return false;
    }
    return clientDone && serverDone;
  }

  SSL* client() const { return client_; }
  SSL* server() const { return server_; }

 private:
  static bool step(SSL* ssl, bool& done) {
    const int result = SSL_do_handshake(ssl);
    if (result == 1) {
      done = true;
      return true;
    }
    const int error = SSL_get_error(ssl, result);
    return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
  }

  SSL* client_;
  SSL* server_;
};

class MeshTlsContextTest : public ::testing::Test {
 protected:
  static SpiffeId id(const char* sa) {
    return SpiffeId::workload("cluster.local", "default", sa).value();
  }

  static CertifiedKey certify(const CertificateAuthority& ca, const TrustBundle& bundle,
                              const SpiffeId& who, Clock::time_point issuedAt = Clock::now(),
                              hours lifetime = hours{24}) {
    auto key = PrivateKey::generate().value();
    auto issued = ca.issueForKey(key.publicKey(), who, lifetime, issuedAt).value();
    return CertifiedKey::make(std::move(key), issued.chain, bundle, Clock::now()).value();
  }

  // A client context that presents whatever it is given, bypassing CertifiedKey's checks,
  // to see that the server side refuses it by itself.
  static SSL_CTX* rawClient(const CertificateAuthority& ca, const SpiffeId& who,
                            Clock::time_point issuedAt, hours lifetime, int maxVersion) {
    SSL_CTX* context = SSL_CTX_new(TLS_method());
    SSL_CTX_ctrl(context, SSL_CTRL_SET_MAX_PROTO_VERSION, maxVersion, nullptr);
    const auto key = PrivateKey::generate().value();
    const auto issued = ca.issueForKey(key.publicKey(), who, lifetime, issuedAt).value();
    SSL_CTX_use_certificate(context, issued.leaf.native());
    SSL_CTX_ctrl(context, SSL_CTRL_CHAIN_CERT, 1, issued.chain.at(1).native());
    SSL_CTX_use_PrivateKey(context, key.native());
    static const unsigned char kAlpn[] = "\x16wasmesh.io/transport/1";
    SSL_CTX_set_alpn_protos(context, kAlpn, sizeof(kAlpn) - 1);
    return context;
  }

  // Made three days ago, so that it can also issue leaves that have already expired.
  CertificateAuthority ca_ =
      CertificateAuthority::init("cluster.local", hours{24 * 365}, Clock::now() - hours{72})
          .value();
  TrustBundle bundle_ = ca_.trustBundle().value();
};

TEST_F(MeshTlsContextTest, MutualHandshakeProvesBothIdentities) {
  const auto web = MeshTlsContext::make(certify(ca_, bundle_, id("web")), bundle_).value();
  const auto db = MeshTlsContext::make(certify(ca_, bundle_, id("db")), bundle_).value();
  Handshake handshake(db->clientContext(), web->serverContext(), web->identity().serverName);
  ASSERT_TRUE(handshake.run());
  EXPECT_EQ(peerIdentity(handshake.server()).value(), id("db"));
  EXPECT_EQ(expectPeerIdentity(handshake.client(), id("web")).value(), id("web"));
  EXPECT_EQ(expectPeerIdentity(handshake.client(), id("other")).error(), errc::identity_mismatch);
  const unsigned char* alpn = nullptr;
  unsigned int alpnLength = 0;
  SSL_get0_alpn_selected(handshake.client(), &alpn, &alpnLength);
  EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(alpn), alpnLength), kMeshAlpn);
  EXPECT_EQ(SSL_version(handshake.client()), TLS1_3_VERSION);
}

TEST_F(MeshTlsContextTest, ServerRefusesClientsWithoutAValidCertificate) {
  const auto web = MeshTlsContext::make(certify(ca_, bundle_, id("web")), bundle_).value();
  const auto sni = web->identity().serverName;
  const auto other = CertificateAuthority::init("cluster.local", hours{24 * 365}).value();
  struct Case {
    const char* what;
    SSL_CTX* client;
  };
  SSL_CTX* noCertificate = SSL_CTX_new(TLS_method());
  static const unsigned char kAlpn[] = "\x16wasmesh.io/transport/1";
  SSL_CTX_set_alpn_protos(noCertificate, kAlpn, sizeof(kAlpn) - 1);
  const Case cases[] = {
      {"no client certificate", noCertificate},
      {"untrusted CA", rawClient(other, id("db"), Clock::now(), hours{1}, TLS1_3_VERSION)},
      {"expired", rawClient(ca_, id("db"), Clock::now() - hours{48}, hours{1}, TLS1_3_VERSION)},
      {"not yet valid",
       rawClient(ca_, id("db"), Clock::now() + hours{48}, hours{1}, TLS1_3_VERSION)},
      {"TLS 1.2 only", rawClient(ca_, id("db"), Clock::now(), hours{1}, TLS1_2_VERSION)},
  };
  for (const auto& testCase : cases) {
    Handshake handshake(testCase.client, web->serverContext(), sni);
    EXPECT_FALSE(handshake.run()) << testCase.what;
    SSL_CTX_free(testCase.client);
  }
}

TEST_F(MeshTlsContextTest, ClientsMustOfferTheMeshAlpn) {
  const auto web = MeshTlsContext::make(certify(ca_, bundle_, id("web")), bundle_).value();
  SSL_CTX* client = rawClient(ca_, id("db"), Clock::now(), hours{1}, TLS1_3_VERSION);
  static const unsigned char kH2[] = "\x02h2";
  SSL_CTX_set_alpn_protos(client, kH2, sizeof(kH2) - 1);
  Handshake handshake(client, web->serverContext(), web->identity().serverName);
  EXPECT_FALSE(handshake.run());
  SSL_CTX_free(client);
}

TEST_F(MeshTlsContextTest, ClientRefusesAServerFromAnotherTrustRoot) {
  const auto other = CertificateAuthority::init("cluster.local", hours{24 * 365}).value();
  const auto otherBundle = other.trustBundle().value();
  const auto impostor =
      MeshTlsContext::make(certify(other, otherBundle, id("web")), otherBundle).value();
  const auto db = MeshTlsContext::make(certify(ca_, bundle_, id("db")), bundle_).value();
  Handshake handshake(db->clientContext(), impostor->serverContext(),
                      impostor->identity().serverName);
  EXPECT_FALSE(handshake.run());
}

TEST_F(MeshTlsContextTest, TwoAnchorsLetOldAndNewRootsMeetDuringRotation) {
  const auto next = CertificateAuthority::init("cluster.local", hours{24 * 365}).value();
  auto anchors = bundle_.anchors();
  anchors.push_back(next.root());
  const auto both = TrustBundle::fromCertificates(anchors).value();
  const auto web = MeshTlsContext::make(certify(next, both, id("web")), both).value();
  const auto db = MeshTlsContext::make(certify(ca_, both, id("db")), both).value();
  Handshake handshake(db->clientContext(), web->serverContext(), web->identity().serverName);
  ASSERT_TRUE(handshake.run());
  EXPECT_EQ(peerIdentity(handshake.server()).value(), id("db"));
}

TEST_F(MeshTlsContextTest, OnlyGoodCertificatesBecomeCertifiedKeys) {
  auto key = PrivateKey::generate().value();
  const auto issued = ca_.issueForKey(key.publicKey(), id("web"), hours{1}, Clock::now()).value();
  EXPECT_EQ(CertifiedKey::make(PrivateKey::generate().value(), issued.chain, bundle_, Clock::now())
                .error(),
            errc::key_mismatch);
  const auto other = CertificateAuthority::init("cluster.local", hours{24}).value();
  EXPECT_EQ(
      CertifiedKey::make(key, issued.chain, other.trustBundle().value(), Clock::now()).error(),
      errc::untrusted_certificate);
  EXPECT_EQ(CertifiedKey::make(key, issued.chain, bundle_, Clock::now() + hours{2}).error(),
            errc::certificate_expired);
  EXPECT_EQ(CertifiedKey::make(key, {}, bundle_, Clock::now()).error(), errc::malformed_pem);
}

}  // namespace
}  // namespace wasmesh::identity
