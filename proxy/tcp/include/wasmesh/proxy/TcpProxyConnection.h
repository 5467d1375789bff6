#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/common/LogThrottle.h"
#include "wasmesh/identity/IdentityStore.h"
#include "wasmesh/proxy/BufferPool.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/Config.h"
#include "wasmesh/proxy/ConnectionLimiter.h"
#include "wasmesh/proxy/DetectMetrics.h"
#include "wasmesh/proxy/DiscoveryFile.h"
#include "wasmesh/proxy/InboundAuthorizer.h"
#include "wasmesh/proxy/ProtocolDetector.h"
#include "wasmesh/proxy/TcpMetrics.h"
#include "wasmesh/proxy/Worker.h"
#include "wasmesh/proxy/http/HttpContext.h"
#include "wasmesh/proxy/http/HttpExchange.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy {

// What a listener is for: transparent (original destination from iptables) or a fixed
// route target.
struct ListenerRole {
  Direction direction = Direction::outbound;
  std::optional<boost::asio::ip::tcp::endpoint> fixedTarget;
  // The direction's timeouts and port classes. Never null: it points into the runtime's
  // Config, which outlives every connection, so copying a role per connection is cheap.
  const TrafficConfig* traffic = nullptr;
  // The direction's connection budget, owned by the runtime. Never null.
  ConnectionLimiter* limiter = nullptr;
};

// What meshed connections need, shared by all workers. Owned by the runtime.
struct MeshServices {
  // Null when the proxy runs unmeshed (no identity configured).
  const identity::IdentityStore* identities = nullptr;
  // Null without a discovery file: no destination is meshed.
  const DiscoveryFile* discovery = nullptr;
  // Ports the proxy itself listens on: no inbound connection may be forwarded to them, or a
  // remote client could reach the outbound listener (and leave with this pod's identity) or
  // the admin server as if from inside the pod.
  std::vector<std::uint16_t> proxyPorts;
  // The pod's default inbound policy. Never null once the runtime runs.
  const InboundAuthorizer* authorizer = nullptr;
};

// Everything a worker's connections share. Owned by the runtime, one per worker.
struct WorkerServices {
  Worker& worker;
  BufferPool& buffers;
  TcpMetrics& metrics;
  DetectMetrics& detectMetrics;
  const MeshServices& mesh;
  // Refusals (mesh, connection limit) are logged through it: a peer must not be able to
  // flood the log.
  LogThrottle& refusalLog;
  // The worker's HTTP pools and metrics; null: HTTP is relayed as bytes.
  http::HttpWorkerServices* http = nullptr;
};

// One accepted TCP connection: finds where it should go, detects the client's protocol
// while connecting upstream (unless the port's class makes that unnecessary), replays what
// detection read, relays, and accounts for both sides in the tcp_* metrics.
// The HTTP version a client speaks when its connection is to be served as HTTP: detected,
// or declared by the port's hint (http1 / http2); empty for anything else.
std::optional<http::Version> httpVersionOf(std::optional<DetectResult> detected,
                                           PortClass portClass);

class TcpProxyConnection final : public Abortable {
 public:
  TcpProxyConnection(boost::asio::ip::tcp::socket client, const ListenerRole& role,
                     WorkerServices& services);
  TcpProxyConnection(const TcpProxyConnection&) = delete;
  TcpProxyConnection& operator=(const TcpProxyConnection&) = delete;
  ~TcpProxyConnection() override;

  boost::asio::awaitable<void> serve();
  void abort() override;
  void drain() override;

  // The whole life of an accepted socket, for co_spawn.
  static boost::asio::awaitable<void> run(boost::asio::ip::tcp::socket client, ListenerRole role,
                                          WorkerServices& services);

 private:
  struct Route {
    boost::asio::ip::tcp::endpoint labelTarget;  // what the client asked for
    boost::asio::ip::tcp::endpoint connectTo;    // where the proxy connects
    // Inbound, addressed to the proxy's own port: a mesh connection whose transport header
    // names the target.
    bool direct = false;
  };

  Result<Route> route();
  TcpSideLabels clientLabels(const Route& route, const Detection& detection) const;
  TcpSideLabels serverLabels(const Route& route) const;
  boost::asio::awaitable<void> serveMeshOutbound(const Route& route,
                                                 std::shared_ptr<const DiscoveryTable> table,
                                                 const Destination& destination);
  // `clientHello` and `serverName`: what detection read, on the redirected path; empty on
  // the direct path, where the acceptor reads the ClientHello itself.
  boost::asio::awaitable<void> serveMeshInbound(const Route& route,
                                                std::span<const std::uint8_t> clientHello,
                                                std::string_view serverName);
  boost::asio::awaitable<void> relay(ByteStream& client, ByteStream& server,
                                     TcpSideMetrics& clientMetrics, TcpSideMetrics& serverMetrics);
  // What the HTTP layer is told of this connection.
  http::HttpConnectionContext httpContext(const boost::asio::ip::tcp::endpoint& target,
                                          http::Version version) const;
  // A plain connection detected or declared as HTTP: the socket detection connected
  // eagerly joins the pool, then requests are served one by one.
  boost::asio::awaitable<void> servePlainHttp(const Route& route, http::Version version,
                                              std::span<const std::uint8_t> alreadyRead,
                                              TcpSideMetrics& clientMetrics,
                                              std::optional<http::ConnectFailure> connectFailure);
  // Request by request through the HTTP layer, until the client's connection ends.
  boost::asio::awaitable<void> serveHttp(ByteStream& client, http::HttpConnectionContext context,
                                         std::span<const std::uint8_t> alreadyRead,
                                         TcpSideMetrics& clientMetrics);
  // Refuses the client with a reset (a failed upstream must not look like an empty answer).
  void resetBoth();
  // Inbound: whether `port` is one of the proxy's own listeners, which no inbound connection
  // may be forwarded to.
  bool isProxyPort(std::uint16_t port) const;
  // Inbound, before any upstream is contacted: whether the default policy lets the client
  // in. True when it does, or when the connection was handed to the mesh path (done).
  boost::asio::awaitable<bool> admitInbound(const Route& route, bool& handedToMesh);
  // Refuses an inbound connection the policy denies: reset, counted, logged a few a time.
  void denyInbound(const std::optional<std::string>& identity);
  // Counts and logs a mesh refusal; `target` names the destination in outbound logs.
  void refuse(std::string_view label, const std::string& detail,
              const boost::asio::ip::tcp::endpoint& target);

  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket server_;
  const ListenerRole& role_;
  WorkerServices& services_;
  bool aborted_ = false;
  // The HTTP codec serving this connection, while one does: what drain() tells.
  http::ServerConnection* httpCodec_ = nullptr;
  std::chrono::steady_clock::time_point acceptedAt_ = std::chrono::steady_clock::now();
};

}  // namespace wasmesh::proxy
