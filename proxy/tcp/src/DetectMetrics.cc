#include "wasmesh/proxy/DetectMetrics.h"

namespace wasmesh::proxy {
namespace {

// Seconds; from loopback round trips to the largest sensible detect timeouts.
std::vector<double> durationBounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

}  // namespace

const char* linkerdResultName(DetectResult result) {
  switch (result) {
    case DetectResult::tls:
      return "tls";
    case DetectResult::http1:
      return "http/1";
    case DetectResult::http2:
      return "http/2";
    case DetectResult::notHttp:
    case DetectResult::serverFirst:
      return "not_http";
    case DetectResult::readTimeout:
      return "read_timeout";
    case DetectResult::error:
      return "error";
  }
  return "error";
}

const char* detailedResultName(DetectResult result) {
  return result == DetectResult::serverFirst ? "server_first" : linkerdResultName(result);
}

DetectMetrics::DetectMetrics(metrics::Registry& registry, std::size_t shardCount)
    : inboundResults_(registry.counter("inbound_tcp_detect_http_results_total",
                                       "Inbound protocol detection outcomes")),
      outboundResults_(registry.counter("outbound_tcp_detect_http_results_total",
                                        "Outbound protocol detection outcomes")),
      durations_(registry.histogram("wasmesh_tcp_detect_duration_seconds",
                                    "Time from accept to the protocol detection decision",
                                    durationBounds())),
      cache_(shardCount) {
  auto& detecting = registry.gauge("wasmesh_tcp_detecting_connections",
                                   "Accepted connections waiting for a protocol decision");
  detecting_[0] = detecting.withLabels({{"direction", "inbound"}});
  detecting_[1] = detecting.withLabels({{"direction", "outbound"}});
}

void DetectMetrics::record(Direction direction, DetectResult result,
                           std::chrono::steady_clock::duration took, std::size_t shard) {
  const auto index =
      (direction == Direction::inbound ? 0 : kDetectResultCount) + static_cast<std::size_t>(result);
  auto& series = cache_.at(shard)[index];
  if (!series.result) {
    auto& family = direction == Direction::inbound ? inboundResults_ : outboundResults_;
    series.result = family.withLabels({{"result", linkerdResultName(result)}});
    series.duration = durations_.withLabels(
        {{"direction", direction == Direction::inbound ? "inbound" : "outbound"},
         {"result", detailedResultName(result)}});
  }
  series.result.add(shard);
  series.duration.observe(shard, std::chrono::duration<double>(took).count());
}

}  // namespace wasmesh::proxy
