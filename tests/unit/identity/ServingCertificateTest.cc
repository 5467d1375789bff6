#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "wasmesh/identity/ServingCertificate.h"

namespace wasmesh::identity {
namespace {

using ::testing::ElementsAre;

TEST(ServingCertificateTest, ALeafForTheNamesSignedByAFreshCa) {
  const auto issued = ServingCertificate::issue(
      {"wasmesh-injector.wasmesh.svc", "wasmesh-injector.wasmesh.svc.cluster.local"},
      std::chrono::hours(24 * 365));
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_THAT(issued->leaf.dnsSans(), ElementsAre("wasmesh-injector.wasmesh.svc",
                                                  "wasmesh-injector.wasmesh.svc.cluster.local"));
  EXPECT_TRUE(issued->leaf.uriSans().empty()) << "not a mesh identity";
  EXPECT_EQ(X509_check_issued(issued->ca.native(), issued->leaf.native()), X509_V_OK);
  EXPECT_EQ(X509_verify(issued->leaf.native(), X509_get0_pubkey(issued->ca.native())), 1);
  EXPECT_EQ(X509_check_ca(issued->ca.native()), 1);
  EXPECT_EQ(X509_check_ca(issued->leaf.native()), 0);
  EXPECT_NE(X509_get_extended_key_usage(issued->leaf.native()) & XKU_SSL_SERVER, 0U);
  EXPECT_TRUE(issued->key.matches(issued->leaf));
  const auto inOneYear = std::chrono::system_clock::now() + std::chrono::hours(24 * 365);
  EXPECT_LE(issued->leaf.notAfter(), inOneYear + std::chrono::seconds(5));
  EXPECT_GT(issued->leaf.notAfter(), inOneYear - std::chrono::minutes(5));
}

TEST(ServingCertificateTest, NoNamesOrNoLifetimeIsRefused) {
  EXPECT_EQ(ServingCertificate::issue({}, std::chrono::hours(1)).error(), errc::invalid_svid);
  EXPECT_EQ(ServingCertificate::issue({"a"}, std::chrono::seconds(0)).error(),
            errc::invalid_duration);
}

}  // namespace
}  // namespace wasmesh::identity
