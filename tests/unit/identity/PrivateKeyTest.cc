#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <string>

#include "TestPki.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/PrivateKey.h"

namespace wasmesh::identity {
namespace {

std::string pemOf(EVP_PKEY* key, bool traditional) {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  const int written = traditional ? PEM_write_bio_PrivateKey_traditional(
                                        bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                                  : PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr,
                                                                  0, nullptr, nullptr);
  EXPECT_EQ(written, 1);
  std::string out(BIO_ctrl_pending(bio.get()), '\0');
  EXPECT_EQ(BIO_read(bio.get(), out.data(), static_cast<int>(out.size())),
            static_cast<int>(out.size()));
  return out;
}

TEST(PrivateKeyTest, GeneratesP256AndRoundTripsPkcs8) {
  const auto key = PrivateKey::generate();
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->publicKey().isEcP256());
  const auto pem = key->toPem().value();
  EXPECT_EQ(pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0U) << pem;
  const auto loaded = PrivateKey::fromPem(pem);
  ASSERT_TRUE(loaded) << loaded.error().message();
  EXPECT_EQ(loaded->publicKey(), key->publicKey());
  EXPECT_EQ(loaded->toPem().value(), pem);
  EXPECT_FALSE(PrivateKey::generate()->publicKey() == key->publicKey());
}

TEST(PrivateKeyTest, PublicKeyDerRoundTrips) {
  const auto key = PrivateKey::generate().value();
  const auto der = key.publicKeyDer().value();
  EXPECT_EQ(der.size(), 91U);  // SubjectPublicKeyInfo of an uncompressed P-256 point
  const auto parsed = PublicKey::fromDer(der);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, key.publicKey());
  auto longer = der;
  longer.push_back(0);
  EXPECT_EQ(PublicKey::fromDer(longer).error(), errc::malformed_pem);
  EXPECT_EQ(PublicKey::fromDer({}).error(), errc::malformed_pem);
}

TEST(PrivateKeyTest, AcceptsSec1EcKeys) {
  const auto raw = test::ecKey();
  const auto pem = pemOf(raw.get(), true);
  ASSERT_EQ(pem.rfind("-----BEGIN EC PRIVATE KEY-----", 0), 0U);
  const auto key = PrivateKey::fromPem(pem);
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(EVP_PKEY_eq(key->native(), raw.get()), 1);
}

TEST(PrivateKeyTest, RefusesOtherKeysAndMalformedPem) {
  const auto pem = PrivateKey::generate()->toPem().value();
  const auto body = pem.substr(pem.find('\n') + 1);
  for (const std::string& bad : std::vector<std::string>{
           std::string(),
           pemOf(test::rsaKey().get(), false),  // not P-256
           pem + pem,
           pem + "x",
           pem.substr(0, pem.size() - 10),
           "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body.substr(0, body.find("-----END")) +
               "-----END ENCRYPTED PRIVATE KEY-----\n",
           "-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n",
           pem + std::string(PrivateKey::kMaxPemBytes, ' '),
       }) {
    EXPECT_EQ(PrivateKey::fromPem(bad).error(), errc::malformed_pem) << bad;
  }
}

TEST(PrivateKeyTest, MatchesOnlyItsOwnCertificate) {
  const auto key = PrivateKey::generate().value();
  const auto other = test::ecKey();
  const auto own = test::certificate({}, key.native(), nullptr, key.native());
  const auto foreign = test::certificate({}, other.get(), nullptr, other.get());
  EXPECT_TRUE(key.matches(own));
  EXPECT_FALSE(key.matches(foreign));
}

}  // namespace
}  // namespace wasmesh::identity
