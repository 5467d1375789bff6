#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "wasmesh/proxy/Config.h"
#include "wasmesh/proxy/DiscoveryTable.h"
#include "wasmesh/proxy/http/HttpMetrics.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/Message.h"
#include "wasmesh/proxy/http/UpstreamPool.h"

namespace wasmesh::proxy::http {

// What the TCP layer knows of a downstream connection it hands to HTTP.
struct HttpConnectionContext {
  Direction direction = Direction::outbound;
  boost::asio::ip::tcp::endpoint peer;    // the client
  boost::asio::ip::tcp::endpoint target;  // the original destination (inbound: the pod's)
  const TrafficConfig* traffic = nullptr;
  Version downstreamVersion = Version::http11;
  // Inbound over the mesh transport: the client proxy's verified identity. Requests then
  // carry l5d-orig-proto when the application's client spoke HTTP/1.
  bool meshed = false;
  std::optional<std::string> clientId;
  // Outbound to a meshed destination: the discovery snapshot that names it (held for the
  // connection's life) and the destination in it.
  std::shared_ptr<const DiscoveryTable> discovery;
  const Destination* destination = nullptr;
  // A response timeout (0: none, as in Linkerd by default).
  std::chrono::milliseconds responseTimeout{0};
  // The upstream connection detection tried eagerly already failed: the first request is
  // answered with this failure instead of trying again (a second connect timeout).
  std::optional<ConnectFailure> initialConnectFailure;
};

// What a worker's HTTP connections share. Owned by the worker's slot in the runtime.
struct HttpWorkerServices {
  // One pool per direction: the connect timeouts differ (300 ms to the application, 1 s out).
  UpstreamPool& inboundPool;
  UpstreamPool& outboundPool;
  HttpWorkerMetrics& metrics;
  const HttpSettings& inboundSettings;
  const HttpSettings& outboundSettings;

  UpstreamPool& pool(Direction direction) noexcept {
    return direction == Direction::inbound ? inboundPool : outboundPool;
  }
};

}  // namespace wasmesh::proxy::http
