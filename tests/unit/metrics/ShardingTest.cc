// One writer thread per shard, all at once, plus scrapes while they write: sums are exact.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

constexpr std::size_t kShards = 4;
constexpr std::uint64_t kIterations = 200000;

TEST(MetricsShardingTest, ConcurrentWritersOnSeparateShardsSumExactly) {
  Registry registry(kShards);
  auto& bytes = registry.counter("tcp_read_bytes_total", "h");
  auto& open = registry.gauge("tcp_open_connections", "h");
  auto& latency = registry.histogram("latency_ms", "h", {10, 100});

  std::atomic<bool> writing{true};
  std::thread scraper([&] {
    // Scrapes racing the writers must never crash nor show a count above the final one.
    while (writing.load()) {
      const std::string text = registry.render(Format::PrometheusText004);
      EXPECT_EQ(text.find("NaN"), std::string::npos);
    }
  });

  std::vector<std::thread> workers;
  for (std::size_t shard = 0; shard < kShards; ++shard) {
    workers.emplace_back([&, shard] {
      // Each worker makes its own handles, as connections do.
      const Counter counter = bytes.withLabels({{"direction", "inbound"}});
      const Gauge gauge = open.withLabels({});
      const Histogram histogram = latency.withLabels({{"status_code", "200"}});
      for (std::uint64_t i = 0; i < kIterations; ++i) {
        counter.add(shard, 3);
        gauge.add(shard, 2);
        gauge.sub(shard, 1);
        histogram.observe(shard, static_cast<double>(i % 200));
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  writing.store(false);
  scraper.join();

  EXPECT_EQ(bytes.withLabels({{"direction", "inbound"}}).value(), kShards * kIterations * 3);
  EXPECT_EQ(open.withLabels({}).value(), static_cast<std::int64_t>(kShards * kIterations));
  const Histogram histogram = latency.withLabels({{"status_code", "200"}});
  EXPECT_EQ(histogram.count(), kShards * kIterations);
  // Each pass over 0..199 sums to 19900; integers below 2^53 add exactly.
  EXPECT_EQ(histogram.sum(), static_cast<double>(kShards * (kIterations / 200) * 19900));

  const std::string text = registry.render(Format::PrometheusText004);
  EXPECT_NE(text.find("tcp_read_bytes_total{direction=\"inbound\"} 2400000\n"), std::string::npos);
  // 0..10 of every 200 land in le=10: 11 values per pass.
  EXPECT_NE(text.find("latency_ms_bucket{status_code=\"200\",le=\"10\"} " +
                      std::to_string(kShards * (kIterations / 200) * 11) + "\n"),
            std::string::npos)
      << text;
}

TEST(MetricsShardingTest, ConcurrentGetOrCreateYieldsOneSeries) {
  Registry registry(kShards);
  auto& family = registry.counter("tcp_open_total", "h");
  std::vector<std::thread> workers;
  for (std::size_t shard = 0; shard < kShards; ++shard) {
    workers.emplace_back([&, shard] {
      for (int i = 0; i < 1000; ++i) {
        family.withLabels({{"target_port", std::to_string(i % 10)}}).add(shard);
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  for (int port = 0; port < 10; ++port) {
    EXPECT_EQ(family.withLabels({{"target_port", std::to_string(port)}}).value(), kShards * 100);
  }
}

}  // namespace
}  // namespace wasmesh::metrics
