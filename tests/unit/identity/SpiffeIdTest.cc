#include <gtest/gtest.h>

#include <string>

#include "wasmesh/identity/SpiffeId.h"

namespace wasmesh::identity {
namespace {

TEST(SpiffeIdTest, ParsesTrustDomainAndPath) {
  const auto id = SpiffeId::parse("spiffe://cluster.local/ns/default/sa/web");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->trustDomain(), "cluster.local");
  EXPECT_EQ(id->segments(), (std::vector<std::string>{"ns", "default", "sa", "web"}));
  EXPECT_EQ(id->toString(), "spiffe://cluster.local/ns/default/sa/web");
  EXPECT_TRUE(SpiffeId::parse("spiffe://example.org"));
  EXPECT_TRUE(SpiffeId::parse("spiffe://td_1-x/Path.With-Upper_Case"));
}

TEST(SpiffeIdTest, RefusesWhatTheSpecificationForbids) {
  for (const char* bad : {
           "", "spiffe://", "SPIFFE://td/a", "https://td/a", "spiffe:/td/a",
           "spiffe://TD/a",       // upper-case trust domain
           "spiffe://td:8080/a",  // port
           "spiffe://user@td/a",  // user info
           "spiffe://td/",        // trailing slash
           "spiffe://td/a/",      // trailing slash
           "spiffe://td//a",      // empty segment
           "spiffe://td/./a",     // dot segment
           "spiffe://td/a/..",    // dot-dot segment
           "spiffe://td/a?x=1",   // query
           "spiffe://td/a#f",     // fragment
           "spiffe://td/a%20b",   // percent-encoding
           "spiffe://td/a b",     // space
           "spiffe:///a",         // empty trust domain
       }) {
    EXPECT_EQ(SpiffeId::parse(bad).error(), errc::invalid_spiffe_id) << bad;
  }
}

TEST(SpiffeIdTest, LengthLimits) {
  const std::string longDomain(255, 'a');
  EXPECT_TRUE(SpiffeId::parse("spiffe://" + longDomain));
  EXPECT_FALSE(SpiffeId::parse("spiffe://" + longDomain + "a"));
  const std::string base = "spiffe://td/";
  EXPECT_TRUE(SpiffeId::parse(base + std::string(2048 - base.size(), 'p')));
  EXPECT_FALSE(SpiffeId::parse(base + std::string(2049 - base.size(), 'p')));
}

TEST(SpiffeIdTest, WorkloadAndComponentServerNames) {
  const auto web = SpiffeId::workload("cluster.local", "default", "web").value();
  EXPECT_EQ(web.toString(), "spiffe://cluster.local/ns/default/sa/web");
  EXPECT_EQ(web.serverName().value(), "web.default.serviceaccount.identity.cluster.local");
  EXPECT_TRUE(web.isWorkloadOf("default", "web"));
  EXPECT_FALSE(web.isComponentOf("default", "web"));
  const auto hello = SpiffeId::component("cluster.local", "default", "web", "hello").value();
  EXPECT_EQ(hello.toString(), "spiffe://cluster.local/ns/default/sa/web/wasm/hello");
  EXPECT_EQ(hello.serverName().value(),
            "hello.wasm.web.default.serviceaccount.identity.cluster.local");
  EXPECT_TRUE(hello.isComponentOf("default", "web"));
  EXPECT_FALSE(hello.isWorkloadOf("default", "web"));
  EXPECT_FALSE(hello.isComponentOf("default", "other"));
}

TEST(SpiffeIdTest, OtherPathsHaveNoServerName) {
  for (const char* id :
       {"spiffe://td", "spiffe://td/ns/a/sa", "spiffe://td/ns/a/sa/b/c", "spiffe://td/ns/A/sa/b",
        "spiffe://td/ns/a/sa/b/wasm/C_x", "spiffe://td/x/a/sa/b"}) {
    EXPECT_EQ(SpiffeId::parse(id).value().serverName().error(), errc::no_server_name) << id;
  }
}

TEST(SpiffeIdTest, WorkloadPartsMustBeDnsLabels) {
  EXPECT_FALSE(SpiffeId::workload("td", "Default", "web"));
  EXPECT_FALSE(SpiffeId::workload("td", "default", "web.v1"));
  EXPECT_FALSE(SpiffeId::workload("td", "-x", "web"));
  EXPECT_FALSE(SpiffeId::workload("TD", "default", "web"));
  EXPECT_FALSE(SpiffeId::component("td", "default", "web", ""));
  EXPECT_TRUE(isDnsLabel(std::string(63, 'a')));
  EXPECT_FALSE(isDnsLabel(std::string(64, 'a')));
}

}  // namespace
}  // namespace wasmesh::identity
