#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>

#include <string>

#include "TestPki.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/TrustBundle.h"

namespace wasmesh::identity {
namespace {

using namespace std::chrono_literals;
using test::Clock;

class TrustBundleTest : public ::testing::Test {
 protected:
  // Made a month ago for two years, so leaves can be issued in the past and the future.
  static CertificateAuthority makeCa() {
    return CertificateAuthority::init("td", 2 * 8760h, Clock::now() - 30 * 24h).value();
  }

  IssuedCertificate issue(const CertificateAuthority& ca, Clock::time_point now = Clock::now(),
                          std::chrono::seconds lifetime = 24h) {
    return ca.issueForKey(key_.publicKey(), id_, lifetime, now).value();
  }

  CertificateAuthority ca_ = makeCa();
  TrustBundle bundle_ = ca_.trustBundle().value();
  PrivateKey key_ = PrivateKey::generate().value();
  SpiffeId id_ = SpiffeId::workload("td", "default", "web").value();
};

TEST_F(TrustBundleTest, LeafAndIssuerVerifyToTheRoot) {
  const auto issued = issue(ca_);
  const auto id = bundle_.verify(issued.chain, Clock::now());
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, id_);
  EXPECT_EQ(bundle_.anchors().size(), 1U);
}

TEST_F(TrustBundleTest, ExpiredAndNotYetValid) {
  // Issued two days ago for a day: expired now, valid then.
  const auto old = issue(ca_, Clock::now() - 48h);
  EXPECT_EQ(bundle_.verify(old.chain, Clock::now()).error(), errc::certificate_expired);
  EXPECT_TRUE(bundle_.verify(old.chain, Clock::now() - 47h));
  const auto future = issue(ca_, Clock::now() + 48h);
  EXPECT_EQ(bundle_.verify(future.chain, Clock::now()).error(), errc::certificate_not_yet_valid);
  EXPECT_TRUE(bundle_.verify(future.chain, Clock::now() + 49h));
  // The issuer's validity counts too.
  EXPECT_EQ(bundle_.verify(issue(ca_).chain, Clock::now() + 3 * 8760h).error(),
            errc::certificate_expired);
}

TEST_F(TrustBundleTest, AnotherCaIsNotTrusted) {
  const auto other = makeCa();
  EXPECT_EQ(bundle_.verify(issue(other).chain, Clock::now()).error(), errc::untrusted_certificate);
  // Nor is our leaf presented with their issuer, or without any issuer.
  auto mixed = issue(ca_).chain;
  mixed[1] = other.issuer();
  EXPECT_EQ(bundle_.verify(mixed, Clock::now()).error(), errc::untrusted_certificate);
  EXPECT_EQ(bundle_.verify({issue(ca_).leaf}, Clock::now()).error(), errc::untrusted_certificate);
  EXPECT_EQ(bundle_.verify({}, Clock::now()).error(), errc::untrusted_certificate);
}

TEST_F(TrustBundleTest, BothAnchorsVerifyDuringRotation) {
  const auto next = makeCa();
  const auto pem = ca_.root().toPem().value() + next.root().toPem().value();
  const auto bundle = TrustBundle::fromPem(pem);
  ASSERT_TRUE(bundle) << bundle.error().message();
  EXPECT_EQ(bundle->anchors().size(), 2U);
  EXPECT_TRUE(bundle->verify(issue(ca_).chain, Clock::now()));
  EXPECT_TRUE(bundle->verify(issue(next).chain, Clock::now()));
  EXPECT_EQ(bundle->verify(issue(makeCa()).chain, Clock::now()).error(),
            errc::untrusted_certificate);
}

TEST_F(TrustBundleTest, AnchorsMustBeSelfSignedCas) {
  EXPECT_EQ(TrustBundle::fromPem(ca_.issuer().toPem().value()).error(), errc::invalid_svid);
  EXPECT_EQ(TrustBundle::fromPem(issue(ca_).leaf.toPem().value()).error(), errc::invalid_svid);
  EXPECT_EQ(TrustBundle::fromPem("").error(), errc::malformed_pem);
  EXPECT_EQ(TrustBundle::fromCertificates({}).error(), errc::malformed_pem);
  EXPECT_EQ(TrustBundle::fromPem(ca_.root().toPem().value() + "x").error(), errc::malformed_pem);
}

TEST_F(TrustBundleTest, ChainsThatBreakSvidRulesAreInvalid) {
  // Leaves the CA would never sign, signed with its issuer key by hand.
  const auto subject = test::ecKey();
  const auto sign = [&](const test::Extensions& extensions) {
    return test::certificate(extensions, subject.get(), ca_.issuer().native(),
                             ca_.issuerKey().native());
  };
  const std::string uri = "URI:" + id_.toString();
  for (const auto& extensions : {
           test::leafExtensions(uri + ",URI:spiffe://td/ns/default/sa/other"),
           test::leafExtensions("DNS:web"),
           test::Extensions{{NID_basic_constraints, "critical,CA:TRUE"},
                            {NID_key_usage, "critical,digitalSignature"},
                            {NID_subject_alt_name, uri}},
           test::Extensions{{NID_key_usage, "critical,digitalSignature,keyCertSign"},
                            {NID_subject_alt_name, uri}},
       }) {
    EXPECT_EQ(bundle_.verify({sign(extensions), ca_.issuer()}, Clock::now()).error(),
              errc::invalid_svid);
  }
  EXPECT_TRUE(bundle_.verify({sign(test::leafExtensions(uri)), ca_.issuer()}, Clock::now()));
  // A root presented as the leaf has a path (to itself) but is no leaf SVID.
  EXPECT_EQ(bundle_.verify({ca_.root()}, Clock::now()).error(), errc::invalid_svid);
}

TEST_F(TrustBundleTest, IntermediateWithoutKeyCertSignIsInvalid) {
  // The root signs an intermediate that is a CA but lacks keyCertSign; OpenSSL alone would
  // accept a missing keyUsage, the X509-SVID rules do not.
  const auto rootKey = test::ecKey();
  const auto root =
      test::certificate({test::caExtensions(), "root"}, rootKey.get(), nullptr, rootKey.get());
  const auto middleKey = test::ecKey();
  const auto middle = test::certificate({{{NID_basic_constraints, "critical,CA:TRUE"}}, "middle"},
                                        middleKey.get(), root.native(), rootKey.get());
  const auto leaf = test::certificate({test::leafExtensions("URI:" + id_.toString()), "leaf"},
                                      test::ecKey().get(), middle.native(), middleKey.get());
  const auto bundle = TrustBundle::fromCertificates({root}).value();
  EXPECT_EQ(bundle.verify({leaf, middle}, Clock::now()).error(), errc::invalid_svid);
}

TEST_F(TrustBundleTest, VerifiesStrictlyByRfc5280) {
  // An intermediate whose basicConstraints is not marked critical: OpenSSL accepts it unless
  // X509_V_FLAG_X509_STRICT is set, and the X509-SVID checks do not look at criticality.
  const auto rootKey = test::ecKey();
  const auto root =
      test::certificate({test::caExtensions(), "root"}, rootKey.get(), nullptr, rootKey.get());
  const auto middleKey = test::ecKey();
  const auto middle = test::certificate(
      {{{NID_basic_constraints, "CA:TRUE"}, {NID_key_usage, "critical,keyCertSign,cRLSign"}},
       "middle"},
      middleKey.get(), root.native(), rootKey.get());
  const auto leaf = test::certificate({test::leafExtensions("URI:" + id_.toString()), "leaf"},
                                      test::ecKey().get(), middle.native(), middleKey.get());
  const auto bundle = TrustBundle::fromCertificates({root}).value();
  EXPECT_EQ(bundle.verify({leaf, middle}, Clock::now()).error(), errc::invalid_svid);
}

TEST_F(TrustBundleTest, NewStoreVerifiesWithOpenSsl) {
  const auto issued = issue(ca_);
  const auto store = bundle_.newStore();
  ASSERT_TRUE(store);
  const X509StoreCtxPtr context(X509_STORE_CTX_new());
  X509StackPtr untrusted(sk_X509_new_null());
  ASSERT_EQ(X509_add_cert(untrusted.get(), issued.chain[1].native(), X509_ADD_FLAG_UP_REF), 1);
  ASSERT_EQ(X509_STORE_CTX_init(context.get(), store->get(), issued.leaf.native(), untrusted.get()),
            1);
  EXPECT_EQ(X509_verify_cert(context.get()), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
}

}  // namespace
}  // namespace wasmesh::identity
