#include "wasmesh/proxy/http/HttpMetrics.h"

#include <algorithm>
#include <map>
#include <tuple>

#include "wasmesh/metrics/LatencyBuckets.h"

namespace wasmesh::proxy::http {
namespace {

constexpr std::size_t kProtocols = 3;
constexpr std::size_t kCodecEvents = 13;

const char* directionName(Direction direction) {
  return direction == Direction::inbound ? "inbound" : "outbound";
}

metrics::Labels baseLabels(const ConnectionLabels& labels, std::string_view authority) {
  metrics::Labels out = {{"direction", directionName(labels.direction)}};
  if (labels.direction == Direction::outbound)
    out.emplace_back("authority", std::string(authority));
  out.emplace_back("target_addr", labels.targetAddr);
  out.emplace_back("target_ip", labels.targetIp);
  out.emplace_back("target_port", labels.targetPort);
  out.emplace_back("tls", labels.tls);
  out.emplace_back(labels.identityLabel, labels.identityValue);
  return out;
}

std::string statusText(unsigned status) {
  return status == 0 ? std::string() : std::to_string(status);
}

}  // namespace

std::string_view proxyErrorName(ProxyError error) noexcept {
  switch (error) {
    case ProxyError::none:
      return "";
    case ProxyError::connectRefused:
      return "connect_refused";
    case ProxyError::connectTimeout:
      return "connect_timeout";
    case ProxyError::meshRefused:
      return "mesh_refused";
    case ProxyError::identityNotReady:
      return "identity_not_ready";
    case ProxyError::upstreamReset:
      return "upstream_reset";
    case ProxyError::responseTimeout:
      return "response_timeout";
    case ProxyError::overloaded:
      return "overloaded";
    case ProxyError::malformedResponse:
      return "malformed_response";
    case ProxyError::unauthorized:
      return "unauthorized";
  }
  return "";
}

HttpMetrics::HttpMetrics(metrics::Registry& registry)
    : requests(registry.counter("request_total", "Total count of HTTP requests")),
      responses(registry.counter("response_total", "Total count of HTTP responses")),
      latency(registry.histogram(
          "response_latency_ms", "Elapsed times between a request's headers and its response",
          {metrics::kLinkerdLatencyBucketsMs.begin(), metrics::kLinkerdLatencyBucketsMs.end()})),
      codecErrors(registry.counter("wasmesh_http_codec_errors_total",
                                   "HTTP messages and connections the codecs refused or cut")),
      inboundErrors(registry.counter("inbound_http_errors_total",
                                     "Inbound HTTP requests the proxy answered itself")),
      outboundErrors(registry.counter("outbound_http_errors_total",
                                      "Outbound HTTP requests the proxy answered itself")),
      retainIdle(registry.limits().retainIdle) {}

struct HttpWorkerMetrics::Connection::Authority {
  struct ResponseSeries {
    metrics::Counter total;
    metrics::Histogram latency;
  };
  using ResponseKey = std::tuple<unsigned, bool, int, ProxyError>;

  std::string name;  // as labelled: "overflow" past the limit
  metrics::Counter request;
  std::map<ResponseKey, ResponseSeries> responses;
};

HttpWorkerMetrics::HttpWorkerMetrics(HttpMetrics& families, std::size_t shard)
    : families_(families), shard_(shard), codecEvents_(2 * kProtocols * kCodecEvents) {}

HttpWorkerMetrics::~HttpWorkerMetrics() = default;

HttpWorkerMetrics::Connection& HttpWorkerMetrics::connection(const ConnectionLabels& labels) {
  std::string key;
  key.reserve(labels.targetAddr.size() + labels.identityValue.size() + 32);
  key += labels.direction == Direction::inbound ? 'i' : 'o';
  key += labels.targetAddr;
  key += ' ';
  key += labels.tls;
  key += ' ';
  key += labels.identityLabel;
  key += '=';
  key += labels.identityValue;
  auto found = connections_.find(key);
  if (found == connections_.end()) {
    found = connections_
                .emplace(std::move(key), std::make_unique<Connection>(families_, labels, shard_))
                .first;
  }
  return *found->second;
}

void HttpWorkerMetrics::codecEvent(Direction direction, Version version, CodecEvent event) {
  const auto index = ((direction == Direction::inbound ? 0U : 1U) * kProtocols +
                      static_cast<std::size_t>(version)) *
                         kCodecEvents +
                     static_cast<std::size_t>(event);
  auto& counter = codecEvents_[index];
  if (!counter) {
    counter = families_.codecErrors.withLabels(
        {{"direction", directionName(direction)},
         {"protocol", std::string(version == Version::http2 ? "http/2" : "http/1")},
         {"error", std::string(codecEventName(event))}});
  }
  counter.add(shard_);
}

void HttpWorkerMetrics::proxyError(Direction direction, ProxyError error) {
  auto& counter =
      proxyErrors_[direction == Direction::inbound ? 0 : 1][static_cast<std::size_t>(error)];
  if (!counter) {
    auto& family =
        direction == Direction::inbound ? families_.inboundErrors : families_.outboundErrors;
    counter = family.withLabels({{"error", std::string(proxyErrorName(error))}});
  }
  counter.add(shard_);
}

void HttpWorkerMetrics::sweep(std::chrono::steady_clock::time_point now) {
  if (families_.retainIdle.count() <= 0)
    return;
  std::erase_if(connections_, [&](const auto& entry) {
    return now - entry.second->lastUsed() >= families_.retainIdle;
  });
}

HttpWorkerMetrics::Connection::Connection(HttpMetrics& families, ConnectionLabels labels,
                                          std::size_t shard)
    : families_(families),
      labels_(std::move(labels)),
      shard_(shard),
      lastUsed_(std::chrono::steady_clock::now()) {}

HttpWorkerMetrics::Connection::~Connection() = default;

HttpWorkerMetrics::Connection::Authority& HttpWorkerMetrics::Connection::authority(
    std::string_view name) {
  // Inbound series carry no authority: one entry serves them all.
  if (labels_.direction == Direction::inbound)
    name = {};
  auto found = authorities_.find(name);
  if (found != authorities_.end())
    return *found->second;
  if (authorities_.size() >= HttpMetrics::kMaxAuthorities) {
    name = "overflow";
    if (found = authorities_.find(name); found != authorities_.end())
      return *found->second;
  }
  auto entry = std::make_unique<Authority>();
  entry->name = std::string(name);
  entry->request = families_.requests.withLabels(baseLabels(labels_, name));
  return *authorities_.emplace(std::string(name), std::move(entry)).first->second;
}

void HttpWorkerMetrics::Connection::request(std::string_view authorityName) {
  lastUsed_ = std::chrono::steady_clock::now();
  authority(authorityName).request.add(shard_);
}

void HttpWorkerMetrics::Connection::response(std::string_view authorityName,
                                             const ResponseOutcome& outcome,
                                             std::chrono::steady_clock::duration latency) {
  auto& entry = authority(authorityName);
  const Authority::ResponseKey key{outcome.status, outcome.failure, outcome.grpcStatus,
                                   outcome.error};
  auto found = entry.responses.find(key);
  if (found == entry.responses.end()) {
    auto labels = baseLabels(labels_, entry.name);
    labels.emplace_back("status_code", statusText(outcome.status));
    auto latencyLabels = labels;
    labels.emplace_back("classification", outcome.failure ? "failure" : "success");
    if (outcome.grpcStatus >= 0)
      labels.emplace_back("grpc_status", std::to_string(outcome.grpcStatus));
    labels.emplace_back("error", std::string(proxyErrorName(outcome.error)));
    found =
        entry.responses
            .emplace(key, Authority::ResponseSeries{families_.responses.withLabels(labels),
                                                    families_.latency.withLabels(latencyLabels)})
            .first;
  }
  found->second.total.add(shard_);
  found->second.latency.observe(shard_, std::chrono::duration<double, std::milli>(latency).count());
}

}  // namespace wasmesh::proxy::http
