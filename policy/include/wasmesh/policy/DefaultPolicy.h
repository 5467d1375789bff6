#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::policy {

// Linkerd's default inbound policies: what a connection into the pod needs when no finer
// policy names it. "Authenticated" means mesh TLS with a verified client identity;
// "cluster" means from a source inside the cluster networks.
enum class DefaultPolicy {
  allUnauthenticated,
  allAuthenticated,
  clusterUnauthenticated,
  clusterAuthenticated,
  deny,
  // Allows everything, but what another policy would deny is logged and counted as such.
  audit,
};

// "all-unauthenticated", ... as in the annotation; errc::invalid_default_policy otherwise.
Result<DefaultPolicy> parseDefaultPolicy(std::string_view text);
std::string_view defaultPolicyName(DefaultPolicy policy) noexcept;

// Linkerd's default cluster networks: the private and shared address ranges.
std::vector<Cidr> defaultClusterNetworks();

// Who is connecting, as far as the proxy could tell.
struct Client {
  boost::asio::ip::address source;
  // The SPIFFE ID a mesh TLS client proved; empty without mesh TLS.
  std::optional<std::string> identity;
};

enum class Verdict { allow, deny };

// A default policy with the cluster networks it needs. Immutable; shared by the workers.
class DefaultPolicyEvaluator {
 public:
  DefaultPolicyEvaluator(DefaultPolicy policy, std::vector<Cidr> clusterNetworks);

  DefaultPolicy policy() const noexcept { return policy_; }
  // What the policy says of `client`. Under audit: allow, with `wouldDeny` set when
  // all-authenticated would have refused it, so operators see what enforcing would cost.
  Verdict evaluate(const Client& client, bool* wouldDeny = nullptr) const;
  // Whether any connection without mesh TLS can pass: when not, the plain path refuses at
  // accept, before reading a byte.
  bool admitsUnauthenticated() const noexcept;
  bool inCluster(const boost::asio::ip::address& source) const;

 private:
  DefaultPolicy policy_;
  std::vector<Cidr> clusterNetworks_;
};

}  // namespace wasmesh::policy
