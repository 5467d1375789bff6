#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::deploy {

// Everything `wasmesh init` needs to write a pod's interception rules. Defaults are Linkerd's
// (proxy-init), so manifests and habits carry over.
struct InitOptions {
  std::uint32_t proxyUid = 2102;
  std::uint16_t inboundPort = 4143;
  std::uint16_t outboundPort = 4140;
  // Admin (4191) and tap (4190): Prometheus and probes must reach the proxy itself.
  PortSet inboundPortsToIgnore{std::vector<PortSet::Range>{{4190, 4191}}};
  // The proxy's configured admin port, ignored whatever --ignore-inbound-ports says: were it
  // redirected, the inbound side would forward it to the admin server as if from inside
  // the pod.
  std::uint16_t adminPort = 4191;
  PortSet skipInboundPorts;
  PortSet skipOutboundPorts;
  std::vector<Cidr> skipSubnets;
  bool ipv6 = true;
  std::string chainPrefix = "WASMESH";
};

enum class AddressFamily { ipv4, ipv6 };

// "iptables" or "ip6tables".
std::string_view iptablesProgram(AddressFamily family) noexcept;

}  // namespace wasmesh::deploy
