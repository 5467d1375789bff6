#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "wasmesh/proxy/http/ClientStream.h"
#include "wasmesh/proxy/http/HttpContext.h"
#include "wasmesh/proxy/http/HttpMetrics.h"
#include "wasmesh/proxy/http/ServerStream.h"
#include "wasmesh/proxy/http/UpstreamKey.h"

namespace wasmesh::proxy::http {

// A connection both of whose sides switched protocols (a 101): the TCP layer relays it.
struct UpgradedPair {
  UpgradedStream downstream;
  UpgradedStream upstream;
  // Keep the upstream connection (and its socket) alive while the relay runs.
  std::unique_ptr<ClientStream> exchange;
  std::shared_ptr<UpstreamConnection> connection;
};

// The protocol spoken to an upstream reached directly: the port's hint, else the client's.
Version upstreamVersionFor(const TrafficConfig& traffic, std::uint16_t port, Version downstream);

// One request through the proxy: the request filters (Linkerd's l5d-* headers), the route,
// an upstream connection from the pool, the request body and the response streamed both ways
// with backpressure, the golden metrics, and the proxy's own answers when the upstream
// cannot give one (502, 503, 504 with an l5d-proxy-error header; gRPC status for gRPC).
class HttpExchange {
 public:
  using Clock = std::chrono::steady_clock;

  HttpExchange(ServerStream& downstream, HttpConnectionContext& context,
               HttpWorkerServices& services, HttpWorkerMetrics::Connection& metrics);

  // Runs the exchange to its end; returns the two streams when it switched protocols.
  boost::asio::awaitable<std::optional<UpgradedPair>> run();

 private:
  boost::asio::awaitable<std::optional<UpgradedPair>> exchange();
  // The request as it leaves for the upstream, and the upstream it leaves for.
  RequestHead prepare(UpstreamKey& key) const;
  boost::asio::awaitable<void> reply(unsigned status, ProxyError error, std::string_view why);
  enum class RequestEnd { sent, clientFailed, upstreamFailed };
  boost::asio::awaitable<RequestEnd> pumpRequest(ClientStream& upstream);
  boost::asio::awaitable<void> pumpRequestThenHold(ClientStream& upstream);
  boost::asio::awaitable<void> pumpResponse(ClientStream& upstream);
  boost::asio::awaitable<Result<ResponseHead>> readHead(ClientStream& upstream);
  void failMidResponse(ProxyError error);
  void noteGrpcStatus(const HeaderMap& fields);
  void finish();

  ServerStream& downstream_;
  HttpConnectionContext& context_;
  HttpWorkerServices& services_;
  HttpWorkerMetrics::Connection& metrics_;
  Clock::time_point start_ = Clock::now();
  std::optional<Clock::time_point> firstByte_;
  bool grpc_ = false;
  bool responseStarted_ = false;
  bool upgraded_ = false;
  ResponseOutcome outcome_;
};

}  // namespace wasmesh::proxy::http
