#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <string>

#include "TestPki.h"
#include "wasmesh/identity/CertificateSigningRequest.h"

namespace wasmesh::identity {
namespace {

class CertificateSigningRequestTest : public ::testing::Test {
 protected:
  PrivateKey key_ = PrivateKey::generate().value();
  SpiffeId id_ = SpiffeId::component("td", "default", "web", "hello").value();
};

TEST_F(CertificateSigningRequestTest, CreatesAndParsesItsOwn) {
  const auto request = CertificateSigningRequest::create(key_, id_);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->uriSans(), std::vector<std::string>{id_.toString()});
  EXPECT_EQ(request->dnsSans(), std::vector<std::string>{id_.serverName().value()});
  EXPECT_EQ(request->publicKey(), key_.publicKey());
  const auto pem = request->toPem().value();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0U);
  const auto parsed = CertificateSigningRequest::fromPem(pem);
  ASSERT_TRUE(parsed) << parsed.error().message();
  EXPECT_EQ(parsed->uriSans(), request->uriSans());
  EXPECT_EQ(parsed->dnsSans(), request->dnsSans());
  EXPECT_EQ(parsed->publicKey(), key_.publicKey());
}

TEST_F(CertificateSigningRequestTest, NeedsAServerName) {
  EXPECT_EQ(
      CertificateSigningRequest::create(key_, SpiffeId::parse("spiffe://td/x").value()).error(),
      errc::no_server_name);
}

TEST_F(CertificateSigningRequestTest, ParsesForeignRequests) {
  const auto rsa = test::rsaKey();
  const auto request =
      CertificateSigningRequest::fromPem(test::requestPem(rsa.get(), "URI:spiffe://td/a,DNS:x"));
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->uriSans(), std::vector<std::string>{"spiffe://td/a"});
  EXPECT_EQ(request->dnsSans(), std::vector<std::string>{"x"});
  EXPECT_FALSE(request->publicKey().isEcP256());
  const auto bare = CertificateSigningRequest::fromPem(test::requestPem(test::ecKey().get(), ""));
  ASSERT_TRUE(bare) << bare.error().message();
  EXPECT_TRUE(bare->uriSans().empty());
}

TEST_F(CertificateSigningRequestTest, RefusesABadSignature) {
  const auto other = test::ecKey();
  const auto pem = test::requestPem(key_.native(), "URI:" + id_.toString(), other.get());
  EXPECT_EQ(CertificateSigningRequest::fromPem(pem).error(), errc::invalid_csr);
}

TEST_F(CertificateSigningRequestTest, RefusesDuplicateSanExtensions) {
  // Two SAN extensions: which one would the CA have read?
  const auto request =
      X509ReqPtr(X509_REQ_dup(CertificateSigningRequest::create(key_, id_)->native()));
  ASSERT_TRUE(request);
  X509V3_CTX context{};
  X509V3_set_ctx(&context, nullptr, nullptr, request.get(), nullptr, 0);
  X509ExtensionPtr extension(
      X509V3_EXT_nconf_nid(nullptr, &context, NID_subject_alt_name, "URI:spiffe://td/other"));
  X509ExtensionStackPtr extensions(X509_REQ_get_extensions(request.get()));
  ASSERT_TRUE(extension && extensions);
  ASSERT_GT(sk_X509_EXTENSION_push(extensions.get(), extension.get()), 0);
  static_cast<void>(extension.release());
  // Replace the extension attribute with one holding both.
  X509_ATTRIBUTE* old =
      X509_REQ_delete_attr(request.get(), X509_REQ_get_attr_by_NID(request.get(), NID_ext_req, -1));
  X509_ATTRIBUTE_free(old);
  ASSERT_EQ(X509_REQ_add_extensions(request.get(), extensions.get()), 1);
  ASSERT_GT(X509_REQ_sign(request.get(), key_.native(), EVP_sha256()), 0);
  const BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509_REQ(bio.get(), request.get()), 1);
  std::string pem(BIO_ctrl_pending(bio.get()), '\0');
  ASSERT_EQ(BIO_read(bio.get(), pem.data(), static_cast<int>(pem.size())),
            static_cast<int>(pem.size()));
  EXPECT_EQ(CertificateSigningRequest::fromPem(pem).error(), errc::invalid_csr);
}

TEST_F(CertificateSigningRequestTest, RefusesMalformedPem) {
  const auto pem = CertificateSigningRequest::create(key_, id_)->toPem().value();
  for (const std::string& bad : std::vector<std::string>{
           std::string(),
           pem + pem,
           pem.substr(0, pem.size() / 2),
           pem + "junk",
           pem + std::string(CertificateSigningRequest::kMaxPemBytes, '\n'),
           key_.toPem().value(),
       }) {
    EXPECT_EQ(CertificateSigningRequest::fromPem(bad).error(), errc::malformed_pem) << bad;
  }
}

}  // namespace
}  // namespace wasmesh::identity
