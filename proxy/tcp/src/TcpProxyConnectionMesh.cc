#include <spdlog/spdlog.h>

#include "wasmesh/proxy/DetectingConnector.h"
#include "wasmesh/proxy/ErrnoName.h"
#include "wasmesh/proxy/MeshClientConnector.h"
#include "wasmesh/proxy/MeshServerAcceptor.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/SocketOptions.h"
#include "wasmesh/proxy/TcpProxyConnection.h"
#include "wasmesh/proxy/TimedConnect.h"

// TcpProxyConnection's mesh paths: the client proxy (outbound to a meshed destination) and
// the server proxy (the mesh transport accepted), apart from the plain paths for length.
namespace wasmesh::proxy {
namespace {

// A ClientHello may span records and reads; Linkerd buffers this much before giving up.
constexpr std::size_t kMaxDetectBytes = 8192;
// How long a meshed outbound client may stay silent before it is taken for a server-first
// protocol's (NATS, SMTP, MySQL): an HTTP client writes its request as soon as it connects.
constexpr std::chrono::milliseconds kServerFirstGrace{100};

}  // namespace

boost::asio::awaitable<void> TcpProxyConnection::serveMeshOutbound(
    const Route& route, std::shared_ptr<const DiscoveryTable> table,
    const Destination& destination) {
  const auto shard = services_.worker.index();
  const auto& store = *services_.mesh.identities;
  const auto snapshot = store.current();
  const auto local = snapshot ? snapshot->byId(store.workload()) : nullptr;
  if (!local || !store.ready()) {
    // Failing closed: sending a meshed destination plaintext would be refused there anyway,
    // and would hide that this proxy has no valid certificate.
    refuse("identity_not_ready", make_error_code(errc::identity_not_ready).message(),
           route.labelTarget);
    co_return;
  }
  const auto& traffic = *role_.traffic;
  const auto portClass = portClassOf(traffic, route.labelTarget.port());
  // HTTP rides the peer's shared HTTP/2 mesh connection request by request, so the client's
  // protocol is looked at first. A client silent for kServerFirstGrace is taken for a
  // server-first protocol's: its connection goes at once, and the server proxy, next to the
  // server, detects.
  DetectingConnector connector(
      client_, server_,
      {traffic.connectTimeout, traffic.detectTimeout, traffic.idleTimeout, kMaxDetectBytes});
  std::optional<DetectResult> detected;
  if (services_.http != nullptr && portClass == PortClass::detect) {
    services_.detectMetrics.beginDetecting(Direction::outbound, shard);
    const auto outcome = co_await connector.detectOnly(kServerFirstGrace);
    services_.detectMetrics.endDetecting(Direction::outbound, shard);
    if (outcome.clientError) {
      boost::system::error_code ignored;
      client_.close(ignored);
      co_return;
    }
    if (!connector.bufferedClientBytes().empty()) {
      detected = outcome.result;
      services_.detectMetrics.record(Direction::outbound, *outcome.result, outcome.took, shard);
    }
  }
  const auto replay = connector.bufferedClientBytes();
  TcpSideLabels clientSide{Direction::outbound, Peer::src,    route.labelTarget,
                           "loopback",          std::nullopt, std::nullopt};
  if (const auto version = httpVersionOf(detected, portClass);
      version && services_.http != nullptr) {
    auto clientMetrics = services_.metrics.side(clientSide, shard);
    clientMetrics.open();
    clientMetrics.read(replay.size());
    auto context = httpContext(route.labelTarget, *version);
    context.discovery = std::move(table);
    context.destination = &destination;
    PlainStream clientStream(client_);
    co_await serveHttp(clientStream, std::move(context), replay, clientMetrics);
    co_return;
  }
  TransportHeader header{route.labelTarget.port(), SessionProtocol::detect, std::nullopt};
  switch (portClass) {
    case PortClass::opaque:
      header.protocol = SessionProtocol::opaque;
      break;
    case PortClass::http1:
      header.protocol = SessionProtocol::http1;
      break;
    case PortClass::http2:
      header.protocol = SessionProtocol::http2;
      break;
    case PortClass::detect:
      break;  // the server proxy detects, next to the server, where server-first shows
  }
  const boost::asio::ip::tcp::endpoint meshEndpoint{route.labelTarget.address(),
                                                    destination.meshPort};
  auto connected = co_await MeshClientConnector::connect(server_, meshEndpoint, destination, *local,
                                                         header, traffic.connectTimeout);
  if (!connected.stream) {
    refuse(connected.label, connected.detail, meshEndpoint);
    co_return;
  }
  applyKeepalive(server_, traffic.keepalive, traffic.userTimeout);
  TcpSideLabels serverSide{Direction::outbound, Peer::dst,
                           route.labelTarget,   {},
                           std::nullopt,        destination.identity.toString()};
  auto clientMetrics = services_.metrics.side(clientSide, shard);
  auto serverMetrics = services_.metrics.side(serverSide, shard);
  clientMetrics.open();
  serverMetrics.open();
  clientMetrics.read(replay.size());
  if (!replay.empty()) {
    // What detection read goes first and unaltered.
    if (auto error = co_await connected.stream->writeAll(replay)) {
      resetBoth();
      clientMetrics.close(aborted_ ? "ECONNABORTED" : "");
      serverMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(error));
      co_return;
    }
    serverMetrics.wrote(replay.size());
  }
  connector.releaseBuffer();
  PlainStream clientStream(client_);
  co_await relay(clientStream, *connected.stream, clientMetrics, serverMetrics);
}

boost::asio::awaitable<void> TcpProxyConnection::serveMeshInbound(
    const Route& route, std::span<const std::uint8_t> clientHello, std::string_view serverName) {
  const auto shard = services_.worker.index();
  const auto snapshot = services_.mesh.identities->current();
  if (!snapshot || !services_.mesh.identities->ready()) {
    refuse("identity_not_ready", make_error_code(errc::identity_not_ready).message(),
           route.labelTarget);
    co_return;
  }
  const auto& traffic = *role_.traffic;
  const auto deadline = acceptedAt_ + traffic.detectTimeout;
  MeshServerAcceptor::Outcome accepted;
  // Two statements, not a conditional expression: GCC 12 miscompiles co_await inside one.
  if (clientHello.empty()) {
    accepted = co_await MeshServerAcceptor::accept(client_, *snapshot, deadline);
  } else {
    accepted =
        co_await MeshServerAcceptor::accept(client_, clientHello, serverName, *snapshot, deadline);
  }
  if (!accepted.stream) {
    refuse(accepted.label, accepted.detail, route.labelTarget);
    co_return;
  }
  {
    boost::system::error_code error;
    const auto source = client_.remote_endpoint(error).address();
    if (!services_.mesh.authorizer->authorize(source, accepted.clientId, shard,
                                              services_.refusalLog)) {
      denyInbound(accepted.clientId);
      co_return;
    }
  }
  const auto port = accepted.header.targetPort;
  if (isProxyPort(port)) {
    refuse("forbidden_target_port", "port " + std::to_string(port) + " is the proxy's own",
           route.labelTarget);
    co_return;
  }
  // The address the client reached us on (the pod's), as on the plain path: what the
  // application keeps on loopback stays private to the pod.
  const boost::asio::ip::tcp::endpoint target{route.labelTarget.address(), port};
  const Route meshRoute{target, target, route.direct};
  TcpSideLabels clientSide{Direction::inbound, Peer::src,        meshRoute.labelTarget, {},
                           std::nullopt,       accepted.clientId};
  auto clientMetrics = services_.metrics.side(clientSide, shard);
  clientMetrics.open();
  clientMetrics.read(accepted.early.size());
  const auto protocol = accepted.header.protocol;
  if (services_.http != nullptr &&
      (protocol == SessionProtocol::http2 || protocol == SessionProtocol::http1)) {
    // The client proxy spoke HTTP: requests go to the application one by one, through the
    // pool, carrying the client's identity (l5d-client-id).
    auto context = httpContext(
        target, protocol == SessionProtocol::http2 ? http::Version::http2 : http::Version::http11);
    context.meshed = true;
    context.clientId = accepted.clientId;
    co_await serveHttp(*accepted.stream, std::move(context), accepted.early, clientMetrics);
    co_return;
  }
  if (auto error = co_await connectWithin(server_, target, traffic.connectTimeout)) {
    spdlog::debug("inbound mesh connection to {} failed: {}", formatSocketAddress(target),
                  error.message());
    resetBoth();
    clientMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(error));
    co_return;
  }
  applyKeepalive(server_, traffic.keepalive, traffic.userTimeout);
  auto serverMetrics = services_.metrics.side(serverLabels(meshRoute), shard);
  serverMetrics.open();
  PlainStream serverStream(server_);
  if (!accepted.early.empty()) {
    if (auto error = co_await serverStream.writeAll(accepted.early)) {
      resetBoth();
      clientMetrics.close(aborted_ ? "ECONNABORTED" : "");
      serverMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(error));
      co_return;
    }
    serverMetrics.wrote(accepted.early.size());
  }
  co_await relay(*accepted.stream, serverStream, clientMetrics, serverMetrics);
}

}  // namespace wasmesh::proxy
