#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <optional>
#include <string>

#include "wasmesh/common/LogThrottle.h"
#include "wasmesh/metrics/Registry.h"
#include "wasmesh/policy/DefaultPolicy.h"

namespace wasmesh::proxy {

// Applies the pod's default inbound policy (inbound.default_policy) to connections, counts
// the decisions in Linkerd's inbound_tcp_authz_allow_total / _deny_total, and logs what an
// audit policy lets through that another would refuse. Shared by the workers; the series
// are made once, so a decision costs no label building and no lock.
class InboundAuthorizer {
 public:
  // What the proxy can decide at accept, before reading a byte.
  enum class AtAccept {
    allow,         // no identity needed: go on as usual
    needsMeshTls,  // only a mesh TLS client may pass: detect without contacting the app
    deny,          // nobody from this source may pass
  };

  InboundAuthorizer(policy::DefaultPolicyEvaluator evaluator, metrics::Registry& registry);

  AtAccept atAccept(const boost::asio::ip::address& source) const;
  // The decision for a connection whose client is now known: `identity` is the SPIFFE ID
  // it proved over mesh TLS, or empty. Counted.
  bool authorize(const boost::asio::ip::address& source, const std::optional<std::string>& identity,
                 std::size_t shard, LogThrottle& log) const;
  // Counts a connection refused at accept or after detection, without mesh TLS.
  void countDenied(std::size_t shard) const;

  const policy::DefaultPolicyEvaluator& evaluator() const noexcept { return evaluator_; }

 private:
  policy::DefaultPolicyEvaluator evaluator_;
  // [meshed][allowed]: tls="true" or "no_identity", allow or deny.
  metrics::Counter decisions_[2][2];
};

}  // namespace wasmesh::proxy
