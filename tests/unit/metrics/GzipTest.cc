// gzipCompress output must be a gzip member any zlib (and so any scraper) can inflate.
#include <gtest/gtest.h>
#include <zlib.h>

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "wasmesh/metrics/Gzip.h"
#include "wasmesh/metrics/LatencyBuckets.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

std::optional<std::string> gunzip(const std::string& compressed) {
  z_stream stream{};
  constexpr int kGzipOnly = 15 + 16;
  if (inflateInit2(&stream, kGzipOnly) != Z_OK) {
    return std::nullopt;
  }
  std::string input = compressed;
  stream.next_in = reinterpret_cast<Bytef*>(input.data());
  stream.avail_in = static_cast<uInt>(input.size());
  std::string out;
  std::array<char, 4096> chunk{};
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk.data());
    stream.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk.data(), chunk.size() - stream.avail_out);
  }
  const bool complete = rc == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  return complete ? std::optional(out) : std::nullopt;
}

TEST(MetricsGzipTest, RoundTripsARealExposition) {
  Registry registry(2);
  auto& latency = registry.histogram(
      "response_latency_ms", "Latency",
      std::vector<double>(kLinkerdLatencyBucketsMs.begin(), kLinkerdLatencyBucketsMs.end()));
  for (int port = 0; port < 200; ++port) {
    latency.withLabels({{"direction", "inbound"}, {"target_port", std::to_string(port)}})
        .observe(0, port);
  }
  const std::string text = registry.render(Format::PrometheusText004);
  const std::string compressed = gzipCompress(text);
  ASSERT_GE(compressed.size(), 2U);
  EXPECT_EQ(static_cast<std::uint8_t>(compressed[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<std::uint8_t>(compressed[1]), 0x8b);
  EXPECT_LT(compressed.size(), text.size() / 5);
  EXPECT_EQ(gunzip(compressed), text);
}

TEST(MetricsGzipTest, RoundTripsIncompressibleAndEmptyInput) {
  std::mt19937 random(42);  // NOLINT(cert-msc32-c): reproducible on purpose
  std::string noise(1 << 20, '\0');
  for (char& c : noise) {
    c = static_cast<char>(random());
  }
  EXPECT_EQ(gunzip(gzipCompress(noise)), noise);

  const std::string empty = gzipCompress("");
  EXPECT_FALSE(empty.empty());
  EXPECT_EQ(gunzip(empty), "");
}

}  // namespace
}  // namespace wasmesh::metrics
