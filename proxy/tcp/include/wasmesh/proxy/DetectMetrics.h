#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <vector>

#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/Config.h"

namespace wasmesh::proxy {

// How detection ended for one connection.
enum class DetectResult {
  tls,          // a TLS ClientHello
  http1,        // an HTTP/1 request line
  http2,        // the HTTP/2 prior-knowledge preface
  notHttp,      // other client bytes, or the client closed before a decision
  serverFirst,  // the server's bytes (or FIN) came before a decision
  readTimeout,  // nothing decisive within the detect timeout
  error,        // the client's socket failed before a decision
};

inline constexpr std::size_t kDetectResultCount = 7;

// Linkerd's <direction>_tcp_detect_http_results_total{result} (server-first counts as
// not_http there, as it is to Linkerd's dashboards) and wasmesh's own time-to-decision
// histogram, whose result label tells server-first apart.
class DetectMetrics {
 public:
  DetectMetrics(metrics::Registry& registry, std::size_t shardCount);

  void record(Direction direction, DetectResult result, std::chrono::steady_clock::duration took,
              std::size_t shard);
  // Connections waiting for a decision: the accepted side joins tcp_open_connections only
  // once decided (its tls label depends on it), so this is where a pile of silent clients
  // shows.
  void beginDetecting(Direction direction, std::size_t shard) {
    detecting_[direction == Direction::inbound ? 0 : 1].add(shard, 1);
  }
  void endDetecting(Direction direction, std::size_t shard) {
    detecting_[direction == Direction::inbound ? 0 : 1].sub(shard, 1);
  }

 private:
  struct Series {
    metrics::Counter result;
    metrics::Histogram duration;
  };
  // Looked up on first use and kept per shard, so the accept path takes no family lock
  // after warm-up and idle combinations never appear as empty series.
  using ShardCache = std::array<Series, 2 * kDetectResultCount>;

  metrics::CounterFamily& inboundResults_;
  metrics::CounterFamily& outboundResults_;
  metrics::HistogramFamily& durations_;
  std::array<metrics::Gauge, 2> detecting_;
  std::vector<ShardCache> cache_;
};

const char* linkerdResultName(DetectResult result);
const char* detailedResultName(DetectResult result);

}  // namespace wasmesh::proxy
