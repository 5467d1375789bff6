#include <gtest/gtest.h>

#include <string>

#include "TestPki.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/PrivateKey.h"
#include "wasmesh/identity/TrustBundle.h"

namespace wasmesh::identity {
namespace {

using test::Clock;

class CertificateTest : public ::testing::Test {
 protected:
  EvpPkeyPtr key_ = test::ecKey();
  std::string pem_ = test::certificatePem(
      test::RawCertificate(test::leafExtensions("URI:spiffe://td/ns/a/sa/b,DNS:b.a.svc,DNS:x.y"),
                           "web"),
      key_.get(), nullptr, key_.get());
};

TEST_F(CertificateTest, ParsesOneCertificateAndItsFields) {
  const auto certificate = Certificate::fromPem(pem_);
  ASSERT_TRUE(certificate) << certificate.error().message();
  EXPECT_EQ(certificate->uriSans(), std::vector<std::string>{"spiffe://td/ns/a/sa/b"});
  EXPECT_EQ(certificate->dnsSans(), (std::vector<std::string>{"b.a.svc", "x.y"}));
  EXPECT_EQ(certificate->subject(), "CN=web");
  EXPECT_EQ(certificate->issuer(), "CN=web");
  EXPECT_FALSE(certificate->isCa());
  EXPECT_FALSE(certificate->serialHex().empty());
  EXPECT_EQ(certificate->serialHex().find_first_not_of("0123456789ABCDEF"), std::string::npos);
  EXPECT_LT(certificate->notBefore(), Clock::now());
  EXPECT_GT(certificate->notAfter(), Clock::now());
  EXPECT_EQ(certificate->toPem().value(), pem_);
}

TEST_F(CertificateTest, TimesAreExactToTheSecond) {
  const auto notBefore = Clock::from_time_t(1'700'000'000);
  const auto notAfter = Clock::from_time_t(4'102'444'800);  // 2100-01-01, a GeneralizedTime
  test::RawCertificate spec;
  spec.notBefore = notBefore;
  spec.notAfter = notAfter;
  const auto certificate = test::certificate(spec, key_.get(), nullptr, key_.get());
  EXPECT_EQ(certificate.notBefore(), notBefore);
  EXPECT_EQ(certificate.notAfter(), notAfter);
}

TEST_F(CertificateTest, YearNineThousandNineHundredNinetyNineClampsToTheClock) {
  // RFC 5280's "no well-defined expiration", far beyond what system_clock can count.
  test::RawCertificate spec;
  spec.notAfterText = "99991231235959Z";
  const auto certificate = test::certificate(spec, key_.get(), nullptr, key_.get());
  EXPECT_EQ(certificate.notAfter(), Clock::time_point::max());
}

TEST_F(CertificateTest, ParsesAChainInOrder) {
  const auto other = test::certificatePem({{}, "other"}, key_.get(), nullptr, key_.get());
  const auto chain = parsePemChain("\n" + pem_ + "\r\n\n" + other + "\n\n");
  ASSERT_TRUE(chain) << chain.error().message();
  ASSERT_EQ(chain->size(), 2U);
  EXPECT_EQ((*chain)[0].subject(), "CN=web");
  EXPECT_EQ((*chain)[1].subject(), "CN=other");
  EXPECT_EQ(toPemChain(*chain).value(), pem_ + other);
  // Windows line endings throughout.
  std::string crlf;
  for (char c : pem_)
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_TRUE(parsePemChain(crlf));
}

TEST_F(CertificateTest, RefusesMalformedPem) {
  const auto body = pem_.substr(pem_.find('\n') + 1);
  for (const std::string& bad : std::vector<std::string>{
           std::string(),
           std::string("   \n"),
           std::string("hello"),
           "junk before\n" + pem_,
           pem_ + "trailing junk\n",
           pem_ + "-----BEGIN CERTIFICATE-----\n",                          // a second, cut off
           pem_.substr(0, pem_.size() / 2),                                 // truncated
           pem_.substr(0, pem_.rfind("-----END")),                          // no END line
           "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n" + body,  // headers
           "-----BEGIN X509 CRL-----\n" + body.substr(0, body.find("-----END")) +
               "-----END X509 CRL-----\n",                                    // another type
           "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",  // bad base64
           "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",  // not DER
           "-----BEGIN CERTIFICATE-----\n" + body.substr(0, body.find("-----END")) +
               "-----END CERTIFICATE-----garbage\n",
       }) {
    EXPECT_EQ(parsePemChain(bad).error(), errc::malformed_pem) << bad;
    EXPECT_EQ(Certificate::fromPem(bad).error(), errc::malformed_pem) << bad;
  }
  // fromPem wants exactly one.
  EXPECT_EQ(Certificate::fromPem(pem_ + pem_).error(), errc::malformed_pem);
}

TEST_F(CertificateTest, RefusesOversizedInput) {
  const auto padded = pem_ + std::string(Certificate::kMaxPemBytes - pem_.size(), '\n');
  EXPECT_TRUE(parsePemChain(padded));
  EXPECT_TRUE(Certificate::fromPem(padded));
  EXPECT_EQ(parsePemChain(padded + "\n").error(), errc::malformed_pem);
  EXPECT_EQ(Certificate::fromPem(padded + "\n").error(), errc::malformed_pem);
}

TEST_F(CertificateTest, RefusesTooManyCertificates) {
  const auto small = test::certificatePem({{}, "s"}, key_.get(), nullptr, key_.get());
  std::string chain;
  for (std::size_t i = 0; i < Certificate::kMaxCertificates; ++i)
    chain += small;
  ASSERT_LT(chain.size() + small.size(), Certificate::kMaxPemBytes);
  EXPECT_TRUE(parsePemChain(chain));
  EXPECT_EQ(parsePemChain(chain + small).error(), errc::malformed_pem);
}

TEST_F(CertificateTest, DerMustBeOneWholeCertificate) {
  const auto certificate = Certificate::fromPem(pem_).value();
  unsigned char* raw = nullptr;
  const int length = i2d_X509(certificate.native(), &raw);
  ASSERT_GT(length, 0);
  std::vector<std::uint8_t> der(raw, raw + length);
  OPENSSL_free(raw);
  EXPECT_TRUE(Certificate::fromDer(der));
  der.push_back(0);
  EXPECT_EQ(Certificate::fromDer(der).error(), errc::malformed_pem);
  der.resize(der.size() / 2);
  EXPECT_EQ(Certificate::fromDer(der).error(), errc::malformed_pem);
}

TEST_F(CertificateTest, RefusesDuplicateExtensions) {
  auto extensions = test::leafExtensions("URI:spiffe://td/a");
  extensions.emplace_back(NID_subject_alt_name, "URI:spiffe://td/b");
  const auto pem = test::certificatePem(extensions, key_.get(), nullptr, key_.get());
  EXPECT_EQ(Certificate::fromPem(pem).error(), errc::malformed_pem);
}

TEST_F(CertificateTest, CaFlagAndPublicKey) {
  const auto ca = test::certificate(test::caExtensions(), key_.get(), nullptr, key_.get());
  EXPECT_TRUE(ca.isCa());
  EXPECT_TRUE(ca.publicKey().isEcP256());
  EXPECT_EQ(ca.publicKey(), Certificate::fromPem(pem_)->publicKey());
}

TEST_F(CertificateTest, FailuresLeaveTheOpenSslErrorQueueAsItWas) {
  // A stale entry would be misread by the next SSL_get_error on this thread.
  ERR_clear_error();
  EXPECT_FALSE(
      Certificate::fromPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
  EXPECT_FALSE(
      PrivateKey::fromPem("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"));
  EXPECT_FALSE(TrustBundle::fromPem(pem_));
  EXPECT_EQ(ERR_peek_error(), 0UL);
  // An entry that was there before is kept.
  ERR_raise(ERR_LIB_X509, X509_R_CERT_ALREADY_IN_HASH_TABLE);
  EXPECT_FALSE(Certificate::fromPem("x"));
  EXPECT_EQ(ERR_GET_REASON(ERR_peek_last_error()), X509_R_CERT_ALREADY_IN_HASH_TABLE);
  ERR_clear_error();
}

}  // namespace
}  // namespace wasmesh::identity
