#include "wasmesh/proxy/InboundAuthorizer.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace wasmesh::proxy {

InboundAuthorizer::InboundAuthorizer(policy::DefaultPolicyEvaluator evaluator,
                                     metrics::Registry& registry)
    : evaluator_(std::move(evaluator)) {
  auto& allowFamily =
      registry.counter("inbound_tcp_authz_allow_total", "Inbound connections authorized by policy");
  auto& denyFamily =
      registry.counter("inbound_tcp_authz_deny_total", "Inbound connections denied by policy");
  const std::string name(policy::defaultPolicyName(evaluator_.policy()));
  for (int meshed = 0; meshed < 2; ++meshed) {
    const metrics::Labels labels = {{"authz_kind", "default"},
                                    {"authz_name", name},
                                    {"tls", meshed != 0 ? "true" : "no_identity"}};
    decisions_[meshed][0] = denyFamily.withLabels(labels);
    decisions_[meshed][1] = allowFamily.withLabels(labels);
  }
}

InboundAuthorizer::AtAccept InboundAuthorizer::atAccept(
    const boost::asio::ip::address& source) const {
  using policy::DefaultPolicy;
  switch (evaluator_.policy()) {
    case DefaultPolicy::allUnauthenticated:
    case DefaultPolicy::audit:
      return AtAccept::allow;
    case DefaultPolicy::clusterUnauthenticated:
      return evaluator_.inCluster(source) ? AtAccept::allow : AtAccept::deny;
    case DefaultPolicy::allAuthenticated:
      return AtAccept::needsMeshTls;
    case DefaultPolicy::clusterAuthenticated:
      return evaluator_.inCluster(source) ? AtAccept::needsMeshTls : AtAccept::deny;
    case DefaultPolicy::deny:
      return AtAccept::deny;
  }
  return AtAccept::deny;
}

bool InboundAuthorizer::authorize(const boost::asio::ip::address& source,
                                  const std::optional<std::string>& identity, std::size_t shard,
                                  LogThrottle& log) const {
  bool wouldDeny = false;
  const bool allowed =
      evaluator_.evaluate({source, identity}, &wouldDeny) == policy::Verdict::allow;
  decisions_[identity ? 1 : 0][allowed ? 1 : 0].add(shard);
  if (wouldDeny) {
    if (const auto admitted = log.admit("audit", LogThrottle::Clock::now()); admitted.log) {
      spdlog::info(
          "audit: inbound connection from {} without mesh TLS allowed; an "
          "authenticated policy would deny it",
          source.to_string());
    }
  }
  return allowed;
}

void InboundAuthorizer::countDenied(std::size_t shard) const {
  decisions_[0][0].add(shard);
}

}  // namespace wasmesh::proxy
