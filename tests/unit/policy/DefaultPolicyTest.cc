#include <gtest/gtest.h>

#include "wasmesh/policy/DefaultPolicy.h"

namespace wasmesh::policy {
namespace {

Client from(const char* source, std::optional<std::string> identity = std::nullopt) {
  return {boost::asio::ip::make_address(source), std::move(identity)};
}

const std::string kWeb = "spiffe://cluster.local/ns/default/sa/web";

TEST(DefaultPolicyTest, NamesRoundTripAndBadOnesAreRefused) {
  for (const auto* name : {"all-unauthenticated", "all-authenticated", "cluster-unauthenticated",
                           "cluster-authenticated", "deny", "audit"}) {
    const auto parsed = parseDefaultPolicy(name);
    ASSERT_TRUE(parsed) << name;
    EXPECT_EQ(defaultPolicyName(*parsed), name);
  }
  EXPECT_EQ(parseDefaultPolicy("allow").error(), errc::invalid_default_policy);
  EXPECT_EQ(parseDefaultPolicy("").error(), errc::invalid_default_policy);
}

TEST(DefaultPolicyTest, EachPolicyDecidesAsLinkerdDoes) {
  struct Case {
    DefaultPolicy policy;
    bool plainInCluster, plainOutside, meshedInCluster, meshedOutside;
  };
  const Case cases[] = {
      {DefaultPolicy::allUnauthenticated, true, true, true, true},
      {DefaultPolicy::allAuthenticated, false, false, true, true},
      {DefaultPolicy::clusterUnauthenticated, true, false, true, false},
      {DefaultPolicy::clusterAuthenticated, false, false, true, false},
      {DefaultPolicy::deny, false, false, false, false},
      {DefaultPolicy::audit, true, true, true, true},
  };
  for (const auto& c : cases) {
    const DefaultPolicyEvaluator evaluator(c.policy, defaultClusterNetworks());
    const auto allowed = [&](const Client& client) {
      return evaluator.evaluate(client) == Verdict::allow;
    };
    SCOPED_TRACE(std::string(defaultPolicyName(c.policy)));
    EXPECT_EQ(allowed(from("10.1.2.3")), c.plainInCluster);
    EXPECT_EQ(allowed(from("203.0.113.9")), c.plainOutside);
    EXPECT_EQ(allowed(from("10.1.2.3", kWeb)), c.meshedInCluster);
    EXPECT_EQ(allowed(from("203.0.113.9", kWeb)), c.meshedOutside);
  }
}

TEST(DefaultPolicyTest, ClusterNetworksCoverBothFamiliesAndMappedAddresses) {
  const DefaultPolicyEvaluator evaluator(DefaultPolicy::clusterUnauthenticated,
                                         defaultClusterNetworks());
  EXPECT_TRUE(evaluator.inCluster(boost::asio::ip::make_address("fd00:213::1")));
  EXPECT_TRUE(evaluator.inCluster(boost::asio::ip::make_address("::ffff:192.168.1.1")));
  EXPECT_FALSE(evaluator.inCluster(boost::asio::ip::make_address("2001:db8::1")));
  EXPECT_FALSE(evaluator.inCluster(boost::asio::ip::make_address("8.8.8.8")));
}

TEST(DefaultPolicyTest, AuditAllowsButSaysWhatItWouldDeny) {
  const DefaultPolicyEvaluator evaluator(DefaultPolicy::audit, defaultClusterNetworks());
  bool wouldDeny = false;
  EXPECT_EQ(evaluator.evaluate(from("10.1.2.3"), &wouldDeny), Verdict::allow);
  EXPECT_TRUE(wouldDeny);
  EXPECT_EQ(evaluator.evaluate(from("10.1.2.3", kWeb), &wouldDeny), Verdict::allow);
  EXPECT_FALSE(wouldDeny);
}

TEST(DefaultPolicyTest, WhichPoliciesLetPlainConnectionsIn) {
  EXPECT_TRUE(
      DefaultPolicyEvaluator(DefaultPolicy::allUnauthenticated, {}).admitsUnauthenticated());
  EXPECT_TRUE(DefaultPolicyEvaluator(DefaultPolicy::audit, {}).admitsUnauthenticated());
  EXPECT_FALSE(DefaultPolicyEvaluator(DefaultPolicy::allAuthenticated, {}).admitsUnauthenticated());
  EXPECT_FALSE(DefaultPolicyEvaluator(DefaultPolicy::deny, {}).admitsUnauthenticated());
}

}  // namespace
}  // namespace wasmesh::policy
