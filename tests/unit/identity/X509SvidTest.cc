#include <gtest/gtest.h>

#include <string>

#include "TestPki.h"
#include "wasmesh/identity/X509Svid.h"

namespace wasmesh::identity {
namespace {

class X509SvidTest : public ::testing::Test {
 protected:
  Certificate leaf(const test::Extensions& extensions) {
    return test::certificate(extensions, key_.get(), nullptr, key_.get());
  }

  EvpPkeyPtr key_ = test::ecKey();
};

constexpr const char* kId = "spiffe://td/ns/a/sa/b";

TEST_F(X509SvidTest, AcceptsTheLeafProfile) {
  const auto id = checkLeafSvid(leaf(test::leafExtensions(std::string("URI:") + kId)));
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(id->toString(), kId);
  // No basicConstraints at all means CA:FALSE; DNS SANs beside the URI SAN are fine.
  EXPECT_TRUE(checkLeafSvid(leaf({{NID_key_usage, "digitalSignature,keyEncipherment"},
                                  {NID_subject_alt_name, std::string("DNS:x,URI:") + kId}})));
}

TEST_F(X509SvidTest, RefusesLeavesThatBreakTheRules) {
  const std::string uri = std::string("URI:") + kId;
  const std::vector<std::pair<const char*, test::Extensions>> cases = {
      {"two URI SANs", test::leafExtensions(uri + ",URI:spiffe://td/ns/a/sa/c")},
      {"no URI SAN", test::leafExtensions("DNS:b.a.svc")},
      {"no SAN", {{NID_key_usage, "critical,digitalSignature"}}},
      {"URI SAN not SPIFFE", test::leafExtensions("URI:https://td/ns/a/sa/b")},
      {"URI SAN not a valid SPIFFE ID", test::leafExtensions("URI:spiffe://TD/a")},
      {"CA:TRUE",
       {{NID_basic_constraints, "critical,CA:TRUE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_subject_alt_name, uri}}},
      {"keyCertSign",
       {{NID_key_usage, "critical,digitalSignature,keyCertSign"}, {NID_subject_alt_name, uri}}},
      {"cRLSign",
       {{NID_key_usage, "critical,digitalSignature,cRLSign"}, {NID_subject_alt_name, uri}}},
      {"no digitalSignature",
       {{NID_key_usage, "critical,keyEncipherment"}, {NID_subject_alt_name, uri}}},
      {"no key usage", {{NID_subject_alt_name, uri}}},
  };
  for (const auto& [what, extensions] : cases)
    EXPECT_EQ(checkLeafSvid(leaf(extensions)).error(), errc::invalid_svid) << what;
}

TEST_F(X509SvidTest, SigningCertificates) {
  EXPECT_TRUE(checkSigningCertificate(leaf(test::caExtensions())));
  EXPECT_TRUE(checkSigningCertificate(leaf({{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                            {NID_key_usage, "keyCertSign"},
                                            {NID_subject_alt_name, "URI:spiffe://td"}})));
  const std::vector<std::pair<const char*, test::Extensions>> cases = {
      {"leaf", test::leafExtensions(std::string("URI:") + kId)},
      {"CA without keyCertSign",
       {{NID_basic_constraints, "critical,CA:TRUE"}, {NID_key_usage, "critical,cRLSign"}}},
      {"CA without key usage", {{NID_basic_constraints, "critical,CA:TRUE"}}},
      {"keyCertSign without CA", {{NID_key_usage, "critical,keyCertSign"}}},
  };
  for (const auto& [what, extensions] : cases)
    EXPECT_EQ(checkSigningCertificate(leaf(extensions)).error(), errc::invalid_svid) << what;
}

}  // namespace
}  // namespace wasmesh::identity
