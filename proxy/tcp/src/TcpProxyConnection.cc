#include "wasmesh/proxy/TcpProxyConnection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/DetectingConnector.h"
#include "wasmesh/proxy/ErrnoName.h"
#include "wasmesh/proxy/HttpHandoff.h"
#include "wasmesh/proxy/MeshClientConnector.h"
#include "wasmesh/proxy/MeshServerAcceptor.h"
#include "wasmesh/proxy/MeteredStream.h"
#include "wasmesh/proxy/OriginalDestination.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/SocketOptions.h"
#include "wasmesh/proxy/TcpRelay.h"
#include "wasmesh/proxy/TimedConnect.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// A ClientHello may span records and reads; Linkerd buffers this much before giving up.
constexpr std::size_t kMaxDetectBytes = 8192;

const char* directionName(Direction direction) {
  return direction == Direction::inbound ? "inbound" : "outbound";
}

}  // namespace

std::optional<http::Version> httpVersionOf(std::optional<DetectResult> detected,
                                           PortClass portClass) {
  if (detected == DetectResult::http2)
    return http::Version::http2;
  if (detected == DetectResult::http1)
    return http::Version::http11;
  if (portClass == PortClass::http2)
    return http::Version::http2;
  if (portClass == PortClass::http1)
    return http::Version::http11;
  return std::nullopt;
}

namespace {}  // namespace

TcpProxyConnection::TcpProxyConnection(boost::asio::ip::tcp::socket client,
                                       const ListenerRole& role, WorkerServices& services)
    : client_(std::move(client)),
      server_(client_.get_executor()),
      role_(role),
      services_(services) {
  services_.worker.track(*this);
}

TcpProxyConnection::~TcpProxyConnection() {
  services_.worker.untrack(*this);
}

void TcpProxyConnection::drain() {
  if (httpCodec_ != nullptr)
    httpCodec_->drain();
}

void TcpProxyConnection::abort() {
  aborted_ = true;
  // A reset, not a FIN: cut at the end of the grace period, a half-sent upload must not look
  // complete to the application, nor a half-sent response to the client.
  resetBoth();
}

boost::asio::awaitable<void> TcpProxyConnection::run(boost::asio::ip::tcp::socket client,
                                                     ListenerRole role, WorkerServices& services) {
  if (!role.limiter->tryAcquire()) {
    services.metrics.countError(role.direction, "connection_limit", services.worker.index());
    const auto admitted =
        services.refusalLog.admit(std::string(directionName(role.direction)) + "/connection_limit",
                                  LogThrottle::Clock::now());
    if (admitted.log) {
      spdlog::warn("{} connection refused: {} connections open, the limit{}",
                   directionName(role.direction), role.limiter->active(),
                   admitted.suppressed == 0
                       ? std::string()
                       : " [" + std::to_string(admitted.suppressed) + " more like it not logged]");
    }
    boost::system::error_code ignored;
    // close(), not the destructor: Asio clears SO_LINGER when a socket is destroyed.
    client.set_option(boost::asio::socket_base::linger(true, 0), ignored);
    client.close(ignored);
    co_return;
  }
  TcpProxyConnection connection(std::move(client), role, services);
  co_await connection.serve();
  role.limiter->release();
}

Result<TcpProxyConnection::Route> TcpProxyConnection::route() {
  if (role_.fixedTarget)
    return Route{*role_.fixedTarget, *role_.fixedTarget};
  auto original = originalDestination(client_);
  boost::system::error_code ec;
  if (!original && role_.direction == Direction::inbound && services_.mesh.identities != nullptr) {
    // Not redirected, so addressed to the proxy itself: the direct path too (a pod without
    // the iptables rules, or a client that dialled the inbound port).
    const auto local = client_.local_endpoint(ec);
    if (!ec)
      return Route{local, local, true};
  }
  if (!original)
    return original.error();
  if (*original == client_.local_endpoint(ec)) {
    // Addressed to the inbound port itself: the mesh transport's direct path, which only a
    // proxy with an identity serves. Anything else arriving here is a redirect loop.
    if (role_.direction == Direction::inbound && services_.mesh.identities != nullptr)
      return Route{*original, *original, true};
    return errc::proxy_loop;
  }
  // Inbound traffic goes to its original destination, the pod's own address: the proxy's
  // uid is never redirected, so the connection stays inside the pod and reaches whatever
  // the application bound to that address or to the wildcard. Never to loopback, which would
  // expose to the network what the application keeps private there (Linkerd and Istio 1.10
  // forward the same way).
  return Route{*original, *original};
}

bool TcpProxyConnection::isProxyPort(std::uint16_t port) const {
  const auto& ownPorts = services_.mesh.proxyPorts;
  return std::find(ownPorts.begin(), ownPorts.end(), port) != ownPorts.end();
}

TcpSideLabels TcpProxyConnection::clientLabels(const Route& route,
                                               const Detection& detection) const {
  // The accepting side: inbound clients come from the network, outbound ones from the app.
  TcpSideLabels labels{
      role_.direction,   Peer::src,
      route.labelTarget, role_.direction == Direction::inbound ? "no_tls_from_remote" : "loopback",
      std::nullopt,      std::nullopt};
  // Inbound TLS the proxy does not terminate is passed through, as Linkerd labels it.
  if (role_.direction == Direction::inbound && detection.protocol == DetectedProtocol::tls)
    labels.passthroughSni = detection.tls.serverName;
  return labels;
}

TcpSideLabels TcpProxyConnection::serverLabels(const Route& route) const {
  return {role_.direction,
          Peer::dst,
          role_.direction == Direction::inbound ? route.connectTo : route.labelTarget,
          role_.direction == Direction::inbound ? "loopback" : "not_provided_by_service_discovery",
          std::nullopt,
          std::nullopt};
}

boost::asio::awaitable<void> TcpProxyConnection::serve() {
  const auto shard = services_.worker.index();
  auto routed = route();
  if (!routed) {
    const auto reason =
        routed.error() == errc::proxy_loop ? "proxy_loop" : "no_original_destination";
    services_.metrics.countError(role_.direction, reason, shard);
    spdlog::debug("{} connection refused: {}", directionName(role_.direction),
                  routed.error().message());
    co_return;
  }
  const TrafficConfig& traffic = *role_.traffic;
  boost::system::error_code ignored;
  // Before detection: a server's greeting is relayed the moment it is decided.
  client_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  applyKeepalive(client_, traffic.keepalive, traffic.userTimeout);
  if (routed->direct) {
    co_await serveMeshInbound(*routed, {}, {});
    co_return;
  }
  if (role_.direction == Direction::outbound && services_.mesh.discovery != nullptr &&
      services_.mesh.identities != nullptr) {
    // The table is kept for the connection's life: a reload cannot pull it away.
    const auto table = services_.mesh.discovery->current();
    if (const auto* destination = table->lookup(routed->labelTarget.address())) {
      co_await serveMeshOutbound(*routed, table, *destination);
      co_return;
    }
  }

  if (role_.direction == Direction::inbound && !role_.fixedTarget &&
      isProxyPort(routed->labelTarget.port())) {
    // Redirected to us for one of our own ports (admin on a port init does not skip): the
    // original destination would be the proxy itself, reached as if from inside the pod.
    refuse("forbidden_target_port",
           "port " + std::to_string(routed->labelTarget.port()) + " is the proxy's own",
           routed->labelTarget);
    co_return;
  }
  if (role_.direction == Direction::inbound) {
    bool handedToMesh = false;
    if (!co_await admitInbound(*routed, handedToMesh) || handedToMesh)
      co_return;
  }
  const auto portClass = portClassOf(traffic, routed->labelTarget.port());
  DetectingConnector connector(
      client_, server_,
      {traffic.connectTimeout, traffic.detectTimeout, traffic.idleTimeout, kMaxDetectBytes});
  const bool detect = portClass == PortClass::detect;
  if (detect)
    services_.detectMetrics.beginDetecting(role_.direction, shard);
  const auto outcome = co_await connector.run(routed->connectTo, detect);
  if (detect)
    services_.detectMetrics.endDetecting(role_.direction, shard);
  if (outcome.result)
    services_.detectMetrics.record(role_.direction, *outcome.result, outcome.took, shard);

  if (role_.direction == Direction::inbound && services_.mesh.identities != nullptr &&
      outcome.detection.protocol == DetectedProtocol::tls && !outcome.connectError &&
      !outcome.clientError && !outcome.idleExpired) {
    const auto snapshot = services_.mesh.identities->current();
    if (snapshot && snapshot->byServerName(outcome.detection.tls.serverName)) {
      // Ours to terminate. The header names the target port; the connection detection made
      // to the original port is not what the client asked for, so it is not used.
      server_.close(ignored);
      co_await serveMeshInbound(*routed, connector.bufferedClientBytes(),
                                outcome.detection.tls.serverName);
      co_return;
    }
  }
  if (role_.direction == Direction::inbound) {
    // Counted allowed (and, under audit, logged when an authenticated policy would not be).
    boost::system::error_code error;
    const auto source = client_.remote_endpoint(error).address();
    static_cast<void>(
        services_.mesh.authorizer->authorize(source, std::nullopt, shard, services_.refusalLog));
  }
  auto clientMetrics = services_.metrics.side(clientLabels(*routed, outcome.detection), shard);
  clientMetrics.open();
  const auto replay = connector.bufferedClientBytes();
  clientMetrics.read(replay.size());
  const auto httpVersion = httpVersionOf(outcome.result, portClass);
  if (outcome.connectError && services_.http != nullptr && httpVersion) {
    // An HTTP client is answered in HTTP: a 502 or 504 naming the failure, not a reset.
    const auto& error = outcome.connectError;
    server_.close(ignored);
    // A named local, not a temporary in the co_await expression: GCC 12 destroys such
    // temporaries twice.
    std::optional<http::ConnectFailure> failure = http::ConnectFailure{
        error, error == errc::connect_timeout ? "connect_timeout" : "connect_refused",
        error.message()};
    co_await servePlainHttp(*routed, *httpVersion, replay, clientMetrics, std::move(failure));
    co_return;
  }
  if (outcome.connectError || outcome.clientError) {
    const auto& error = outcome.connectError ? outcome.connectError : outcome.clientError;
    spdlog::debug("{} connection to {} failed before relaying: {}", directionName(role_.direction),
                  formatSocketAddress(routed->connectTo), error.message());
    // Reset, not FIN: the client must not mistake a failed upstream for an empty answer.
    client_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
    client_.close(ignored);
    server_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
    server_.close(ignored);
    clientMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(error));
    co_return;
  }
  if (outcome.idleExpired) {
    spdlog::debug("{} connection to {} idle while detecting", directionName(role_.direction),
                  formatSocketAddress(routed->labelTarget));
    client_.close(ignored);
    server_.close(ignored);
    clientMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(make_error_code(errc::idle_timeout)));
    co_return;
  }
  if (services_.http != nullptr && httpVersion) {
    co_await servePlainHttp(*routed, *httpVersion, replay, clientMetrics, std::nullopt);
    co_return;
  }
  // Formatting the address costs on every connection: only when trace is on.
  if (outcome.result && spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("{} connection to {}: {} after {} us ({})", directionName(role_.direction),
                  formatSocketAddress(routed->labelTarget), detailedResultName(*outcome.result),
                  std::chrono::duration_cast<std::chrono::microseconds>(outcome.took).count(),
                  outcome.detection.reason.empty() ? "-" : outcome.detection.reason);
  }
  server_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  applyKeepalive(server_, traffic.keepalive, traffic.userTimeout);
  auto serverMetrics = services_.metrics.side(serverLabels(*routed), shard);
  serverMetrics.open();

  if (!replay.empty()) {
    // Detection consumed these bytes; the server must see them first and unaltered.
    auto [writeError, written] =
        co_await boost::asio::async_write(server_, boost::asio::buffer(replay), kNoThrow);
    if (writeError) {
      client_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
      client_.close(ignored);
      server_.close(ignored);
      clientMetrics.close(aborted_ ? "ECONNABORTED" : "");
      serverMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(writeError));
      co_return;
    }
    serverMetrics.wrote(written);
  }
  connector.releaseBuffer();

  PlainStream clientStream(client_);
  PlainStream serverStream(server_);
  co_await relay(clientStream, serverStream, clientMetrics, serverMetrics);
}

boost::asio::awaitable<void> TcpProxyConnection::relay(ByteStream& client, ByteStream& server,
                                                       TcpSideMetrics& clientMetrics,
                                                       TcpSideMetrics& serverMetrics) {
  TcpRelay relay(client, server, services_.buffers, clientMetrics, serverMetrics);
  const auto outcome = co_await relay.run(role_.traffic->idleTimeout);
  boost::system::error_code ignored;
  client_.close(ignored);
  server_.close(ignored);
  clientMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(outcome.clientError));
  serverMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(outcome.serverError));
}

void TcpProxyConnection::resetBoth() {
  boost::system::error_code ignored;
  for (auto* socket : {&client_, &server_}) {
    if (!socket->is_open())
      continue;
    socket->set_option(boost::asio::socket_base::linger(true, 0), ignored);
    socket->close(ignored);
  }
}

http::HttpConnectionContext TcpProxyConnection::httpContext(
    const boost::asio::ip::tcp::endpoint& target, http::Version version) const {
  http::HttpConnectionContext context;
  context.direction = role_.direction;
  boost::system::error_code ignored;
  context.peer = client_.remote_endpoint(ignored);
  context.target = target;
  context.traffic = role_.traffic;
  context.downstreamVersion = version;
  context.responseTimeout = role_.traffic->responseTimeout;
  return context;
}

boost::asio::awaitable<void> TcpProxyConnection::servePlainHttp(
    const Route& route, http::Version version, std::span<const std::uint8_t> alreadyRead,
    TcpSideMetrics& clientMetrics, std::optional<http::ConnectFailure> connectFailure) {
  const auto& traffic = *role_.traffic;
  // The connection detection made eagerly carries the first requests.
  if (server_.is_open()) {
    boost::system::error_code ignored;
    server_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    applyKeepalive(server_, traffic.keepalive, traffic.userTimeout);
    const http::UpstreamKey key{route.connectTo,
                                http::upstreamVersionFor(traffic, route.connectTo.port(), version),
                                false, 0};
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(std::move(server_));
    auto stream = std::make_unique<MeteredStream>(
        std::make_unique<PlainStream>(*socket),
        services_.metrics.side(serverLabels(route), services_.worker.index()));
    services_.http->pool(role_.direction)
        .adopt(key, http::ConnectedStream{std::move(socket), std::move(stream)});
  }
  auto context = httpContext(route.connectTo, version);
  context.initialConnectFailure = std::move(connectFailure);
  PlainStream clientStream(client_);
  co_await serveHttp(clientStream, std::move(context), alreadyRead, clientMetrics);
}

boost::asio::awaitable<void> TcpProxyConnection::serveHttp(
    ByteStream& client, http::HttpConnectionContext context,
    std::span<const std::uint8_t> alreadyRead, TcpSideMetrics& clientMetrics) {
  const auto served = co_await HttpHandoff::serve(
      client, alreadyRead, std::move(context), *services_.http, services_.buffers, clientMetrics,
      services_.metrics, services_.worker.index(), &httpCodec_);
  boost::system::error_code ignored;
  client_.close(ignored);
  clientMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(served.clientError));
}

boost::asio::awaitable<bool> TcpProxyConnection::admitInbound(const Route& route,
                                                              bool& handedToMesh) {
  const auto& authorizer = *services_.mesh.authorizer;
  boost::system::error_code error;
  const auto source = client_.remote_endpoint(error).address();
  switch (authorizer.atAccept(source)) {
    case InboundAuthorizer::AtAccept::allow:
      co_return true;
    case InboundAuthorizer::AtAccept::deny:
      denyInbound(std::nullopt);
      co_return false;
    case InboundAuthorizer::AtAccept::needsMeshTls:
      break;
  }
  // Only a mesh TLS client for one of our identities may pass: read its first bytes without
  // contacting the application, which a refused client must never reach.
  const auto& traffic = *role_.traffic;
  DetectingConnector connector(
      client_, server_,
      {traffic.connectTimeout, traffic.detectTimeout, traffic.idleTimeout, kMaxDetectBytes});
  const auto shard = services_.worker.index();
  services_.detectMetrics.beginDetecting(Direction::inbound, shard);
  const auto outcome = co_await connector.detectOnly();
  services_.detectMetrics.endDetecting(Direction::inbound, shard);
  if (outcome.result)
    services_.detectMetrics.record(Direction::inbound, *outcome.result, outcome.took, shard);
  if (services_.mesh.identities != nullptr && outcome.detection.protocol == DetectedProtocol::tls &&
      !outcome.clientError) {
    const auto snapshot = services_.mesh.identities->current();
    if (snapshot && snapshot->byServerName(outcome.detection.tls.serverName)) {
      handedToMesh = true;
      co_await serveMeshInbound(route, connector.bufferedClientBytes(),
                                outcome.detection.tls.serverName);
      co_return true;
    }
  }
  denyInbound(std::nullopt);
  co_return false;
}

void TcpProxyConnection::denyInbound(const std::optional<std::string>& identity) {
  const auto& authorizer = *services_.mesh.authorizer;
  boost::system::error_code error;
  const auto peer = client_.remote_endpoint(error);
  if (!identity)
    authorizer.countDenied(services_.worker.index());
  const auto admitted = services_.refusalLog.admit("in/unauthorized", LogThrottle::Clock::now());
  if (admitted.log) {
    spdlog::info("inbound connection from {}{} denied by the default policy {}{}",
                 formatSocketAddress(peer), identity ? " (" + *identity + ")" : std::string(),
                 policy::defaultPolicyName(authorizer.evaluator().policy()),
                 admitted.suppressed == 0
                     ? std::string()
                     : " [" + std::to_string(admitted.suppressed) + " more like it not logged]");
  }
  // Closed before a byte is written, as Linkerd refuses opaque connections.
  resetBoth();
}

void TcpProxyConnection::refuse(std::string_view label, const std::string& detail,
                                const boost::asio::ip::tcp::endpoint& target) {
  services_.metrics.countError(role_.direction, std::string(label), services_.worker.index());
  // Info, not debug: an operator chasing a failed mesh connection needs the reason, and
  // refusals are rare between proxies that share trust anchors. But anyone can cause them
  // (a port scan of the mesh port), so each worker logs a few per reason and window and
  // says how many it held back; <direction>_tcp_errors_total counts every one.
  const auto admitted = services_.refusalLog.admit(
      std::string(role_.direction == Direction::inbound ? "in/" : "out/") + std::string(label),
      LogThrottle::Clock::now());
  if (admitted.log) {
    const std::string heldBack =
        admitted.suppressed == 0
            ? std::string()
            : " [" + std::to_string(admitted.suppressed) + " more like it not logged]";
    if (role_.direction == Direction::inbound) {
      boost::system::error_code ignored;
      spdlog::info("inbound mesh connection from {} refused: {} ({}){}",
                   formatSocketAddress(client_.remote_endpoint(ignored)), label, detail, heldBack);
    } else {
      spdlog::info("outbound mesh connection to {} refused: {} ({}){}", formatSocketAddress(target),
                   label, detail, heldBack);
    }
  }
  resetBoth();
}

}  // namespace wasmesh::proxy
