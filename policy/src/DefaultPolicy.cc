#include "wasmesh/policy/DefaultPolicy.h"

#include <algorithm>
#include <array>
#include <utility>

namespace wasmesh::policy {
namespace {

constexpr std::array<std::pair<DefaultPolicy, std::string_view>, 6> kNames = {{
    {DefaultPolicy::allUnauthenticated, "all-unauthenticated"},
    {DefaultPolicy::allAuthenticated, "all-authenticated"},
    {DefaultPolicy::clusterUnauthenticated, "cluster-unauthenticated"},
    {DefaultPolicy::clusterAuthenticated, "cluster-authenticated"},
    {DefaultPolicy::deny, "deny"},
    {DefaultPolicy::audit, "audit"},
}};

// An IPv4 client reaching an IPv6 listener shows as ::ffff:a.b.c.d.
boost::asio::ip::address unmapped(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  return address;
}

}  // namespace

Result<DefaultPolicy> parseDefaultPolicy(std::string_view text) {
  for (const auto& [policy, name] : kNames) {
    if (name == text)
      return policy;
  }
  return errc::invalid_default_policy;
}

std::string_view defaultPolicyName(DefaultPolicy policy) noexcept {
  for (const auto& [candidate, name] : kNames) {
    if (candidate == policy)
      return name;
  }
  return "unknown";
}

std::vector<Cidr> defaultClusterNetworks() {
  return parseCidrList("10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8").value();
}

DefaultPolicyEvaluator::DefaultPolicyEvaluator(DefaultPolicy policy,
                                               std::vector<Cidr> clusterNetworks)
    : policy_(policy), clusterNetworks_(std::move(clusterNetworks)) {}

bool DefaultPolicyEvaluator::inCluster(const boost::asio::ip::address& source) const {
  const auto address = unmapped(source);
  return std::any_of(clusterNetworks_.begin(), clusterNetworks_.end(),
                     [&](const Cidr& network) { return network.contains(address); });
}

bool DefaultPolicyEvaluator::admitsUnauthenticated() const noexcept {
  return policy_ == DefaultPolicy::allUnauthenticated ||
         policy_ == DefaultPolicy::clusterUnauthenticated || policy_ == DefaultPolicy::audit;
}

Verdict DefaultPolicyEvaluator::evaluate(const Client& client, bool* wouldDeny) const {
  const bool authenticated = client.identity.has_value();
  bool allowed = false;
  switch (policy_) {
    case DefaultPolicy::allUnauthenticated:
      allowed = true;
      break;
    case DefaultPolicy::allAuthenticated:
      allowed = authenticated;
      break;
    case DefaultPolicy::clusterUnauthenticated:
      allowed = inCluster(client.source);
      break;
    case DefaultPolicy::clusterAuthenticated:
      allowed = authenticated && inCluster(client.source);
      break;
    case DefaultPolicy::deny:
      allowed = false;
      break;
    case DefaultPolicy::audit:
      if (wouldDeny != nullptr)
        *wouldDeny = !authenticated;
      return Verdict::allow;
  }
  if (wouldDeny != nullptr)
    *wouldDeny = false;
  return allowed ? Verdict::allow : Verdict::deny;
}

}  // namespace wasmesh::policy
