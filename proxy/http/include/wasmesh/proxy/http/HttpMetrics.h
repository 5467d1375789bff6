#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/Config.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// How the proxy itself ended a request (the `error` label of response_total), or none.
enum class ProxyError : std::uint8_t {
  none,
  connectRefused,     // 502: the upstream refused or reset the connection
  connectTimeout,     // 504: the upstream did not accept in time
  meshRefused,        // 502: the mesh handshake or identity check failed
  identityNotReady,   // 503: no certificate to prove this proxy's identity yet
  upstreamReset,      // 502: the upstream broke the exchange
  responseTimeout,    // 504: no response head within the response timeout
  overloaded,         // 503: a connection or stream limit
  malformedResponse,  // 502: the upstream's response could not be framed
  unauthorized,       // 403: the inbound policy refused the request
};
inline constexpr std::size_t kProxyErrorCount = 10;

std::string_view proxyErrorName(ProxyError error) noexcept;

// The labels that stay the same for every request of a downstream connection.
struct ConnectionLabels {
  Direction direction = Direction::inbound;
  std::string targetAddr;  // ip:port ([ip]:port)
  std::string targetIp;
  std::string targetPort;
  std::string tls;            // "true" or "no_identity"
  std::string identityLabel;  // client_id / server_id / no_tls_reason
  std::string identityValue;
};

// The end of an exchange, for response_total and response_latency_ms.
struct ResponseOutcome {
  unsigned status = 0;  // 0: no response head reached the client
  bool failure = false;
  int grpcStatus = -1;  // -1: not gRPC
  ProxyError error = ProxyError::none;
};

class HttpMetrics;

// Lets string-keyed maps be searched with a string_view: no allocation per lookup.
struct TransparentStringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view text) const noexcept {
    return std::hash<std::string_view>{}(text);
  }
};

// A worker's view of the golden metrics: series handles are looked up once, by label values
// the worker already holds, and kept; a request costs a few hash lookups and relaxed stores,
// no label strings and no lock. Entries unused for the retention period are dropped.
class HttpWorkerMetrics {
 public:
  class Connection;

  HttpWorkerMetrics(HttpMetrics& families, std::size_t shard);
  ~HttpWorkerMetrics();
  HttpWorkerMetrics(const HttpWorkerMetrics&) = delete;
  HttpWorkerMetrics& operator=(const HttpWorkerMetrics&) = delete;

  // The series of one downstream connection's labels (made per connection, not per request).
  Connection& connection(const ConnectionLabels& labels);
  void codecEvent(Direction direction, Version version, CodecEvent event);
  // <direction>_http_errors_total{error}: a request the proxy answered itself.
  void proxyError(Direction direction, ProxyError error);
  // Drops cache entries idle for the registry's retention period.
  void sweep(std::chrono::steady_clock::time_point now);

 private:
  HttpMetrics& families_;
  std::size_t shard_;
  std::unordered_map<std::string, std::unique_ptr<Connection>> connections_;
  // [direction][protocol][event]
  std::vector<metrics::Counter> codecEvents_;
  // [direction][error]
  std::array<std::array<metrics::Counter, kProxyErrorCount>, 2> proxyErrors_;
};

class HttpWorkerMetrics::Connection {
 public:
  Connection(HttpMetrics& families, ConnectionLabels labels, std::size_t shard);
  ~Connection();

  // request_total, with the outbound authority.
  void request(std::string_view authority);
  void response(std::string_view authority, const ResponseOutcome& outcome,
                std::chrono::steady_clock::duration latency);
  std::chrono::steady_clock::time_point lastUsed() const noexcept { return lastUsed_; }

 private:
  struct Authority;
  Authority& authority(std::string_view name);

  HttpMetrics& families_;
  ConnectionLabels labels_;
  std::size_t shard_;
  std::unordered_map<std::string, std::unique_ptr<Authority>, TransparentStringHash,
                     std::equal_to<>>
      authorities_;
  std::chrono::steady_clock::time_point lastUsed_;
};

// The golden-metric families (Linkerd's names, labels and buckets), registered once.
class HttpMetrics {
 public:
  // Distinct outbound authorities kept per connection label set; the application chooses
  // them, so past this they share authority="overflow".
  static constexpr std::size_t kMaxAuthorities = 1000;

  explicit HttpMetrics(metrics::Registry& registry);

  metrics::CounterFamily& requests;
  metrics::CounterFamily& responses;
  metrics::HistogramFamily& latency;
  metrics::CounterFamily& codecErrors;
  metrics::CounterFamily& inboundErrors;
  metrics::CounterFamily& outboundErrors;
  std::chrono::steady_clock::duration retainIdle;
};

}  // namespace wasmesh::proxy::http
