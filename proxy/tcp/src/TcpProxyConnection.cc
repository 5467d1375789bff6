#include "wasmesh/proxy/TcpProxyConnection.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/DetectingConnector.h"
#include "wasmesh/proxy/ErrnoName.h"
#include "wasmesh/proxy/OriginalDestination.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/TcpRelay.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// A ClientHello may span records and reads; Linkerd buffers this much before giving up.
constexpr std::size_t kMaxDetectBytes = 8192;

const char* directionName(Direction direction) {
  return direction == Direction::inbound ? "inbound" : "outbound";
}

}  // namespace

bool ConnectionLimiter::tryAcquire() noexcept {
  auto current = active_.load(std::memory_order_relaxed);
  do {
    if (current >= limit_)
      return false;
  } while (!active_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

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

void TcpProxyConnection::abort() {
  aborted_ = true;
  boost::system::error_code ignored;
  client_.close(ignored);
  server_.close(ignored);
}

boost::asio::awaitable<void> TcpProxyConnection::run(boost::asio::ip::tcp::socket client,
                                                     ListenerRole role, WorkerServices& services) {
  if (!services.limiter.tryAcquire()) {
    services.metrics.countError(role.direction, "connection_limit", services.worker.index());
    spdlog::warn("{} connection refused: connection limit reached", directionName(role.direction));
    co_return;  // the socket closes as it goes out of scope
  }
  TcpProxyConnection connection(std::move(client), role, services);
  co_await connection.serve();
  services.limiter.release();
}

Result<TcpProxyConnection::Route> TcpProxyConnection::route() {
  if (role_.fixedTarget)
    return Route{*role_.fixedTarget, *role_.fixedTarget};
  auto original = originalDestination(client_);
  if (!original)
    return original.error();
  boost::system::error_code ec;
  if (*original == client_.local_endpoint(ec))
    return errc::proxy_loop;
  if (role_.direction == Direction::outbound)
    return Route{*original, *original};
  // Inbound traffic goes to the application on the same port over loopback.
  const boost::asio::ip::address loopback =
      original->address().is_v4()
          ? boost::asio::ip::address(boost::asio::ip::address_v4::loopback())
          : boost::asio::ip::address(boost::asio::ip::address_v6::loopback());
  return Route{*original, {loopback, original->port()}};
}

TcpSideLabels TcpProxyConnection::clientLabels(const Route& route,
                                               const Detection& detection) const {
  // The accepting side: inbound clients come from the network, outbound ones from the app.
  TcpSideLabels labels{role_.direction, Peer::src, route.labelTarget,
                       role_.direction == Direction::inbound ? "no_tls_from_remote" : "loopback",
                       std::nullopt};
  // Inbound TLS the proxy does not terminate is passed through, as Linkerd labels it.
  if (role_.direction == Direction::inbound && detection.protocol == DetectedProtocol::tls)
    labels.passthroughSni = detection.tls.serverName;
  return labels;
}

TcpSideLabels TcpProxyConnection::serverLabels(const Route& route) const {
  return {role_.direction, Peer::dst,
          role_.direction == Direction::inbound ? route.connectTo : route.labelTarget,
          role_.direction == Direction::inbound ? "loopback" : "not_provided_by_service_discovery",
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

  auto clientMetrics = services_.metrics.side(clientLabels(*routed, outcome.detection), shard);
  clientMetrics.open();
  const auto replay = connector.bufferedClientBytes();
  clientMetrics.read(replay.size());
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
  // Formatting the address costs on every connection: only when trace is on.
  if (outcome.result && spdlog::should_log(spdlog::level::trace)) {
    spdlog::trace("{} connection to {}: {} after {} us ({})", directionName(role_.direction),
                  formatSocketAddress(routed->labelTarget), detailedResultName(*outcome.result),
                  std::chrono::duration_cast<std::chrono::microseconds>(outcome.took).count(),
                  outcome.detection.reason.empty() ? "-" : outcome.detection.reason);
  }
  server_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
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
  TcpRelay relay(clientStream, serverStream, services_.buffers, clientMetrics, serverMetrics);
  const auto outcomeOfRelay = co_await relay.run(traffic.idleTimeout);
  client_.close(ignored);
  server_.close(ignored);
  clientMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(outcomeOfRelay.clientError));
  serverMetrics.close(aborted_ ? "ECONNABORTED" : errnoName(outcomeOfRelay.serverError));
}

}  // namespace wasmesh::proxy
