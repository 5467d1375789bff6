#include "wasmesh/proxy/http/HttpExchange.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/http/AsyncEvent.h"

namespace wasmesh::proxy::http {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// Linkerd's header names, so applications written for Linkerd keep working.
constexpr std::string_view kClientId = "l5d-client-id";
constexpr std::string_view kOrigProto = "l5d-orig-proto";
constexpr std::string_view kProxyError = "l5d-proxy-error";

// gRPC codes Linkerd counts as failures: Unknown, DeadlineExceeded, PermissionDenied,
// Internal, Unavailable, DataLoss.
bool isGrpcFailure(int code) {
  constexpr std::array<int, 6> kFailures = {2, 4, 7, 13, 14, 15};
  return std::find(kFailures.begin(), kFailures.end(), code) != kFailures.end();
}

int grpcCodeFor(unsigned status) {
  switch (status) {
    case 403:
      return 7;  // PERMISSION_DENIED
    case 504:
      return 4;  // DEADLINE_EXCEEDED
    default:
      return 14;  // UNAVAILABLE
  }
}

ProxyError errorOfConnectFailure(std::string_view label) {
  if (label == "connect_timeout")
    return ProxyError::connectTimeout;
  if (label == "connect_refused" || label == "connect_failed")
    return ProxyError::connectRefused;
  if (label == "identity_not_ready")
    return ProxyError::identityNotReady;
  if (label == "overloaded")
    return ProxyError::overloaded;
  return ProxyError::meshRefused;
}

unsigned statusOf(ProxyError error) {
  switch (error) {
    case ProxyError::connectTimeout:
    case ProxyError::responseTimeout:
      return 504;
    case ProxyError::identityNotReady:
    case ProxyError::overloaded:
      return 503;
    case ProxyError::unauthorized:
      return 403;
    default:
      return 502;
  }
}

// A failed attempt that can go to another connection: nothing reached the upstream's
// application (a refused HTTP/2 stream, a pooled HTTP/1 connection the server had closed).
bool retryable(const boost::system::error_code& error) {
  return error == errc::http_stream_refused || error == errc::http_upstream_unavailable ||
         error == errc::http_connection_closed;
}

}  // namespace

Version upstreamVersionFor(const TrafficConfig& traffic, std::uint16_t port, Version downstream) {
  switch (portClassOf(traffic, port)) {
    case PortClass::http2:
      return Version::http2;
    case PortClass::http1:
      return Version::http11;
    default:
      return downstream == Version::http2 ? Version::http2 : Version::http11;
  }
}

HttpExchange::HttpExchange(ServerStream& downstream, HttpConnectionContext& context,
                           HttpWorkerServices& services, HttpWorkerMetrics::Connection& metrics)
    : downstream_(downstream), context_(context), services_(services), metrics_(metrics) {
  const auto contentType = downstream.request().headers.get("content-type");
  grpc_ = contentType && contentType->rfind("application/grpc", 0) == 0;
}

RequestHead HttpExchange::prepare(UpstreamKey& key) const {
  RequestHead head = downstream_.request();
  // Headers only proxies may set: never trusted from outside, whichever way they come.
  head.headers.remove(kClientId);
  const auto origProto = head.headers.get(kOrigProto);
  std::optional<Version> original;
  if (origProto && context_.meshed) {
    original = *origProto == "HTTP/1.0" ? Version::http10 : Version::http11;
  }
  head.headers.remove(kOrigProto);
  const auto& target = context_.target;
  if (context_.direction == Direction::inbound) {
    if (context_.clientId)
      head.headers.set(kClientId, *context_.clientId);
    key.endpoint = target;
    key.mesh = false;
    // The application is spoken to as the original client spoke (over the mesh, HTTP/1
    // arrives as HTTP/2 with l5d-orig-proto), unless its port is hinted: an HTTP/1-only
    // application on an `http1_ports` port gets HTTP/1.1 from an HTTP/2 client.
    if (original)
      head.version = *original;
    key.protocol = upstreamVersionFor(*context_.traffic, target.port(), head.version);
  } else if (context_.destination != nullptr) {
    // Meshed: one HTTP/2 connection per peer and port carries every request; an HTTP/1
    // request says so for the server proxy to turn it back. A protocol switch cannot ride
    // HTTP/2, so it gets a mesh connection of its own in HTTP/1.
    key.endpoint = {target.address(), context_.destination->meshPort};
    key.mesh = true;
    key.meshTargetPort = target.port();
    key.protocol = head.upgrade.empty() ? Version::http2 : Version::http11;
    if (key.protocol == Version::http2 && head.version != Version::http2)
      head.headers.set(kOrigProto, versionName(head.version));
    // An HTTP/1.0 request may name no host, but the server proxy's HTTP/2 codec (nghttp2)
    // refuses a request with neither :authority nor host: the destination names it, as an
    // HTTP/1.1 client would have.
    if (key.protocol == Version::http2 && head.authority.empty() &&
        head.headers.get("host").value_or("").empty()) {
      head.authority = formatSocketAddress(target);
    }
  } else {
    key.endpoint = target;
    key.mesh = false;
    key.protocol = upstreamVersionFor(*context_.traffic, target.port(), head.version);
  }
  if (!head.upgrade.empty())
    key.protocol = Version::http11;
  if (key.protocol == Version::http2) {
    head.version = Version::http2;
    head.upgrade.clear();
  } else {
    if (head.version == Version::http2)
      head.version = Version::http11;
    head.headers.remove("te");  // HTTP/2's `te: trailers` is hop-by-hop in HTTP/1
  }
  return head;
}

boost::asio::awaitable<std::optional<UpgradedPair>> HttpExchange::run() {
  auto upgraded = co_await exchange();
  finish();  // every way out, the proxy's own answers included, is counted
  co_return upgraded;
}

boost::asio::awaitable<std::optional<UpgradedPair>> HttpExchange::exchange() {
  const auto& request = downstream_.request();
  metrics_.request(request.authority);
  UpstreamKey key;
  const auto head = prepare(key);
  std::shared_ptr<UpstreamConnection> connection;
  std::unique_ptr<ClientStream> upstream;
  for (int attempt = 0; attempt < 2 && !upstream; ++attempt) {
    boost::system::result<std::shared_ptr<UpstreamConnection>, ConnectFailure> acquired(
        boost::system::in_place_error, ConnectFailure{});
    // Two statements, not a conditional expression: GCC 12 miscompiles co_await inside one.
    if (context_.initialConnectFailure) {
      acquired = {boost::system::in_place_error, *context_.initialConnectFailure};
      context_.initialConnectFailure.reset();
    } else {
      acquired = co_await services_.pool(context_.direction).acquire(key);
    }
    if (!acquired) {
      const auto& failure = acquired.error();
      spdlog::debug("{} request to {}: {} ({})",
                    context_.direction == Direction::inbound ? "inbound" : "outbound",
                    formatSocketAddress(key.endpoint), failure.label, failure.detail);
      const auto error = errorOfConnectFailure(failure.label);
      co_await reply(statusOf(error), error, failure.label);
      co_return std::nullopt;
    }
    connection = std::move(*acquired);
    auto started = co_await connection->startRequest(head, !request.hasBody);
    if (started) {
      upstream = std::move(*started);
    } else if (!retryable(started.error()) || request.hasBody || attempt == 1) {
      co_await reply(502, ProxyError::upstreamReset, started.error().message());
      co_return std::nullopt;
    }
  }
  if (request.hasBody) {
    using boost::asio::experimental::awaitable_operators::operator||;
    // The response may end first (an early 413, a 200 that did not need the body): then the
    // request side is cancelled. A request side that fails cancels the response side.
    co_await (pumpResponse(*upstream) || pumpRequestThenHold(*upstream));
  } else {
    co_await pumpResponse(*upstream);
  }
  if (!upgraded_)
    co_return std::nullopt;
  auto down = downstream_.takeUpgraded();
  auto up = upstream->takeUpgraded();
  if (!down || !up)
    co_return std::nullopt;
  co_return UpgradedPair{std::move(*down), std::move(*up), std::move(upstream),
                         std::move(connection)};
}

boost::asio::awaitable<HttpExchange::RequestEnd> HttpExchange::pumpRequest(ClientStream& upstream) {
  while (true) {
    auto chunk = co_await downstream_.readBody();
    if (!chunk) {
      upstream.reset();
      co_return RequestEnd::clientFailed;
    }
    if (chunk->trailers) {
      if (!chunk->data.empty() && !co_await upstream.sendData(chunk->data, false))
        co_return RequestEnd::upstreamFailed;
      co_return co_await upstream.sendTrailers(*chunk->trailers) ? RequestEnd::sent
                                                                 : RequestEnd::upstreamFailed;
    }
    if (!co_await upstream.sendData(chunk->data, chunk->end))
      co_return RequestEnd::upstreamFailed;
    if (chunk->end)
      co_return RequestEnd::sent;
  }
}

boost::asio::awaitable<void> HttpExchange::pumpRequestThenHold(ClientStream& upstream) {
  if (co_await pumpRequest(upstream) == RequestEnd::clientFailed) {
    failMidResponse(ProxyError::none);
    co_return;  // ends the exchange: the response side is cancelled
  }
  // Sent, or the upstream stopped taking the body: it may still answer (a 413 before
  // closing, say), so the response side goes on either way, and its end cancels this.
  AsyncEvent never(co_await boost::asio::this_coro::executor);
  co_await never.wait();
}

boost::asio::awaitable<Result<ResponseHead>> HttpExchange::readHead(ClientStream& upstream) {
  if (context_.responseTimeout.count() <= 0)
    co_return co_await upstream.readHeaders();
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                  context_.responseTimeout);
  auto woken = co_await (upstream.readHeaders() || timer.async_wait(kNoThrow));
  if (woken.index() == 1) {
    upstream.reset();
    co_return make_error_code(errc::http_response_timeout);
  }
  co_return std::get<0>(std::move(woken));
}

boost::asio::awaitable<void> HttpExchange::pumpResponse(ClientStream& upstream) {
  const auto& request = downstream_.request();
  while (true) {
    auto head = co_await readHead(upstream);
    if (!head) {
      const auto error = head.error() == errc::http_response_timeout ? ProxyError::responseTimeout
                         : head.error() == errc::http_malformed_message
                             ? ProxyError::malformedResponse
                             : ProxyError::upstreamReset;
      co_await reply(statusOf(error), error, head.error().message());
      co_return;
    }
    if (head->informational()) {
      if (head->status == 101 && !request.upgrade.empty()) {
        outcome_.status = 101;
        responseStarted_ = true;
        if (co_await downstream_.sendHeaders(*head, false))
          upgraded_ = true;
        co_return;
      }
      if (head->status != 100 && head->status != 101)
        static_cast<void>(co_await downstream_.sendInformational(*head));
      continue;  // 100 Continue is each hop's own business (see Http1ServerConnection)
    }
    outcome_.status = head->status;
    outcome_.failure = head->status >= 500;
    if (grpc_)
      noteGrpcStatus(head->headers);
    const bool noBody =
        request.method == "HEAD" || head->status == 204 || head->status == 304 || head->endStream;
    responseStarted_ = true;
    if (noBody) {
      firstByte_ = Clock::now();
      if (!co_await downstream_.sendHeaders(*head, true))
        failMidResponse(ProxyError::none);
      co_return;
    }
    if (!co_await downstream_.sendHeaders(*head, false)) {
      failMidResponse(ProxyError::none);
      upstream.reset();
      co_return;
    }
    break;
  }
  while (true) {
    auto chunk = co_await upstream.readBody();
    if (!chunk) {
      failMidResponse(ProxyError::upstreamReset);
      downstream_.reset();
      co_return;
    }
    if (!firstByte_ && (!chunk->data.empty() || chunk->end))
      firstByte_ = Clock::now();
    if (chunk->trailers) {
      if (grpc_)
        noteGrpcStatus(*chunk->trailers);
      if (!chunk->data.empty() && !co_await downstream_.sendData(chunk->data, false)) {
        upstream.reset();
        co_return;
      }
      if (!co_await downstream_.sendTrailers(*chunk->trailers))
        upstream.reset();
      co_return;
    }
    if (!co_await downstream_.sendData(chunk->data, chunk->end)) {
      // The client went away: the upstream exchange is abandoned too.
      failMidResponse(ProxyError::none);
      upstream.reset();
      co_return;
    }
    if (chunk->end)
      co_return;
  }
}

void HttpExchange::noteGrpcStatus(const HeaderMap& fields) {
  const auto status = fields.get("grpc-status");
  if (!status)
    return;
  int code = 2;  // Unknown
  const auto [end, error] = std::from_chars(status->data(), status->data() + status->size(), code);
  if (error != std::errc() || end != status->data() + status->size())
    code = 2;
  outcome_.grpcStatus = code;
  outcome_.failure = outcome_.status >= 500 || isGrpcFailure(code);
}

void HttpExchange::failMidResponse(ProxyError error) {
  outcome_.failure = true;
  if (error != ProxyError::none)
    outcome_.error = error;
}

boost::asio::awaitable<void> HttpExchange::reply(unsigned status, ProxyError error,
                                                 std::string_view why) {
  outcome_.error = error;
  outcome_.failure = true;
  services_.metrics.proxyError(context_.direction, error);
  if (responseStarted_) {
    downstream_.reset();  // too late for a status: the client must see the exchange fail
    co_return;
  }
  responseStarted_ = true;
  const std::string reason =
      std::string(proxyErrorName(error)) +
      (why.empty() || why == proxyErrorName(error) ? std::string() : ": " + std::string(why));
  ResponseHead head;
  head.version = downstream_.request().version;
  head.headers.set(kProxyError, reason);
  firstByte_ = Clock::now();
  if (grpc_) {
    // gRPC clients read the status from grpc-status, on an HTTP 200 (a trailers-only answer).
    head.status = 200;
    outcome_.status = 200;
    outcome_.grpcStatus = grpcCodeFor(status);
    head.headers.set("content-type", "application/grpc");
    head.headers.set("grpc-status", std::to_string(outcome_.grpcStatus));
    head.headers.set("grpc-message", reason);
    static_cast<void>(co_await downstream_.sendHeaders(head, true));
    co_return;
  }
  head.status = status;
  outcome_.status = status;
  const std::string body = reason + "\n";
  head.contentLength = body.size();
  head.headers.set("content-type", "text/plain; charset=utf-8");
  if (!co_await downstream_.sendHeaders(head, false))
    co_return;
  static_cast<void>(co_await downstream_.sendData(
      {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}, true));
}

void HttpExchange::finish() {
  if (grpc_ && outcome_.grpcStatus < 0 && outcome_.status != 0 && !upgraded_) {
    // A gRPC response without a status is Unknown (a failure), as Linkerd counts it.
    outcome_.grpcStatus = 2;
    outcome_.failure = true;
  }
  const auto latency = (firstByte_ ? *firstByte_ : Clock::now()) - start_;
  metrics_.response(downstream_.request().authority, outcome_, latency);
}

}  // namespace wasmesh::proxy::http
