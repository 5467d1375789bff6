#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/policy/DefaultPolicy.h"

namespace wasmesh::proxy {

enum class Direction { inbound, outbound };

enum class LogFormat { plain, json };

// One side of the sidecar: the transparent listener that iptables redirects to.
struct TrafficConfig {
  std::vector<boost::asio::ip::tcp::endpoint> listen;
  std::chrono::milliseconds connectTimeout;
  // A relayed connection with no bytes either way for this long is closed (errno ETIMEDOUT).
  std::chrono::milliseconds idleTimeout;
  // Port classes, by the original destination port (routes: the target port). Opaque ports
  // are forwarded without detection; hint ports are taken to be that protocol without
  // reading first; every other port is detected (docs/detection.md).
  PortSet opaquePorts;
  PortSet http1Ports;
  PortSet http2Ports;
  // How long detection waits for the client's first bytes before going on as opaque.
  std::chrono::milliseconds detectTimeout{10'000};
  // Connections this side serves at once; further ones are reset. Each side has its own
  // budget, so a remote flood of inbound connections cannot starve the app's outbound
  // ones. 0 until loading resolves it from RLIMIT_NOFILE (see resolveConnectionLimits).
  std::uint32_t maxConnections = 0;
  // TCP keepalive on accepted and connected sockets (0: off): a peer that vanished without
  // a FIN or RST is noticed after keepalive + 3 probes a third of it apart, not at the idle
  // timeout. Linkerd's chart uses 10 s.
  std::chrono::milliseconds keepalive{10'000};
  // TCP_USER_TIMEOUT (0: the kernel's default): how long sent data may stay unacknowledged
  // before the connection is dropped, which keepalive alone does not bound.
  std::chrono::milliseconds userTimeout{30'000};
  // HTTP: a client must send a request's whole header section within this (slowloris).
  std::chrono::milliseconds requestHeaderTimeout{10'000};
  // HTTP: the upstream must send a response head within this; 0: no limit (Linkerd's default).
  std::chrono::milliseconds responseTimeout{0};
};

enum class PortClass { detect, opaque, http1, http2 };

inline PortClass portClassOf(const TrafficConfig& traffic, std::uint16_t port) {
  if (traffic.opaquePorts.contains(port))
    return PortClass::opaque;
  if (traffic.http1Ports.contains(port))
    return PortClass::http1;
  if (traffic.http2Ports.contains(port))
    return PortClass::http2;
  return PortClass::detect;
}

// Explicit mode: a listener that forwards to a fixed target instead of the original
// destination. Serves hosts without iptables, the demo and tests.
struct RouteConfig {
  std::string name;
  boost::asio::ip::tcp::endpoint listen;
  boost::asio::ip::tcp::endpoint target;
  Direction direction = Direction::outbound;
};

// The proxy's own identity (docs/identity.md). Either certificates issued elsewhere
// (certFile + keyFile, re-read when they change) or the identity service (service +
// tokenFile: the key is made here and never leaves). Unset: the proxy runs unmeshed.
struct IdentityConfig {
  // PEM text, or the path of a PEM file, with one or more trust anchors.
  std::string trustAnchors;
  std::string id;  // a SPIFFE ID with a server name; validated when loading
  std::string certFile;
  std::string keyFile;
  std::optional<HostPort> service;  // an address or a DNS name, with a port
  std::string tokenFile;

  bool configured() const noexcept { return !id.empty(); }
  bool usesService() const noexcept { return service.has_value(); }
};

// The immutable result of loading configuration; see docs/configuration.md for every key.
struct Config {
  // proxy.*
  unsigned workers = 0;  // resolved: never 0 after loading
  std::chrono::milliseconds shutdownGracePeriod{120'000};
  // log.*
  std::string logLevel = "info";
  LogFormat logFormat = LogFormat::plain;
  // admin.*
  boost::asio::ip::tcp::endpoint adminListen;
  // POST /shutdown starts the drain. Off by default, as in Linkerd: the application shares
  // the pod's loopback, so any process in the pod could stop its sidecar.
  bool adminShutdownEnabled = false;
  // metrics.*: every series is bounded, since peers choose some label values.
  std::size_t metricsMaxSeriesPerFamily = 5000;
  // Series no connection or request has used for this long are dropped (Linkerd's
  // METRICS_RETAIN_IDLE); 0 keeps them for good.
  std::chrono::milliseconds metricsRetainIdle{600'000};
  // inbound.* / outbound.*
  TrafficConfig inbound;
  TrafficConfig outbound;
  // inbound.default_policy and inbound.cluster_networks: who may connect into the pod.
  policy::DefaultPolicy inboundDefaultPolicy = policy::DefaultPolicy::allUnauthenticated;
  std::vector<Cidr> clusterNetworks = policy::defaultClusterNetworks();
  // tcp.*
  std::size_t tcpBufferSize = std::size_t{64} * 1024;
  // identity.*
  IdentityConfig identity;
  // discovery.*: the watched file mapping destination addresses to mesh identities
  std::string discoveryFile;
  // routes
  std::vector<RouteConfig> routes;
};

}  // namespace wasmesh::proxy
