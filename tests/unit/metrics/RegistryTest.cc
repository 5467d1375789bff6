// Registration rules, handles and histogram bucketing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "wasmesh/metrics/LatencyBuckets.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

TEST(MetricsRegistryTest, NeedsAtLeastOneShard) {
  EXPECT_THROW(Registry(0), std::invalid_argument);
  EXPECT_EQ(Registry(3).shardCount(), 3U);
}

TEST(MetricsRegistryTest, RejectsInvalidNames) {
  Registry registry(1);
  EXPECT_THROW(registry.gauge("1abc", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("tcp open", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("", "h"), std::invalid_argument);
  EXPECT_THROW(registry.counter("tcp_open", "no _total suffix"), std::invalid_argument);
  EXPECT_THROW(registry.counter("_total", "nothing before the suffix"), std::invalid_argument);
  EXPECT_NO_THROW(registry.gauge("ns:sub_name", "colons are allowed"));
}

TEST(MetricsRegistryTest, SameRegistrationReturnsTheSameFamily) {
  Registry registry(1);
  auto& first = registry.counter("tcp_open_total", "h");
  EXPECT_EQ(&registry.counter("tcp_open_total", "h"), &first);
  auto& histogram = registry.histogram("latency_ms", "h", {1, 2});
  EXPECT_EQ(&registry.histogram("latency_ms", "h", {1, 2, INFINITY}), &histogram);
}

TEST(MetricsRegistryTest, ConflictingRegistrationsThrow) {
  Registry registry(1);
  registry.counter("tcp_open_total", "h");
  registry.histogram("latency_ms", "h", {1, 2});
  EXPECT_THROW(registry.gauge("tcp_open_total", "h"), std::invalid_argument);
  EXPECT_THROW(registry.counter("tcp_open_total", "other help"), std::invalid_argument);
  EXPECT_THROW(registry.histogram("latency_ms", "h", {1, 3}), std::invalid_argument);
  // Names that would collide in the output of either format.
  EXPECT_THROW(registry.gauge("tcp_open", "h"), std::invalid_argument);
  EXPECT_THROW(registry.gauge("latency_ms_count", "h"), std::invalid_argument);
  EXPECT_THROW(registry.counter("latency_ms_bucket_total", "fine"), std::invalid_argument)
      << "counter x_total also claims x";
}

TEST(MetricsRegistryTest, RejectsBadBuckets) {
  Registry registry(1);
  EXPECT_THROW(registry.histogram("a_ms", "h", {2, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("b_ms", "h", {1, 1}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("c_ms", "h", {1, std::nan("")}), std::invalid_argument);
  EXPECT_THROW(registry.histogram("d_ms", "h", {-INFINITY, 1}), std::invalid_argument);
  EXPECT_NO_THROW(registry.histogram("e_ms", "h", {}));
}

TEST(MetricsRegistryTest, WithLabelsReturnsTheSameSeriesForTheSameLabels) {
  Registry registry(2);
  auto& family = registry.counter("requests_total", "h");
  family.withLabels({{"a", "1"}, {"b", "2"}}).add(0);
  family.withLabels({{"a", "1"}, {"b", "2"}}).add(1, 4);
  family.withLabels({{"b", "2"}, {"a", "1"}}).add(0);  // other order: another series
  EXPECT_EQ(family.withLabels({{"a", "1"}, {"b", "2"}}).value(), 5U);
  EXPECT_EQ(family.withLabels({{"b", "2"}, {"a", "1"}}).value(), 1U);
}

TEST(MetricsRegistryTest, UnboundHandlesIgnoreUpdates) {
  const Counter counter;
  const Gauge gauge;
  const Histogram histogram;
  counter.add(0, 5);
  gauge.add(0, 5);
  histogram.observe(0, 5);
  EXPECT_FALSE(counter);
  EXPECT_EQ(counter.value(), 0U);
  EXPECT_EQ(gauge.value(), 0);
  EXPECT_EQ(histogram.count(), 0U);
}

TEST(MetricsRegistryTest, GaugeGoesNegativeAcrossShards) {
  Registry registry(2);
  const Gauge gauge = registry.gauge("open", "h").withLabels({});
  gauge.add(0, 2);
  gauge.sub(1, 5);
  EXPECT_EQ(gauge.value(), -3);
  EXPECT_NE(registry.render(Format::PrometheusText004).find("\nopen -3\n"), std::string::npos);
}

TEST(MetricsRegistryTest, HistogramBucketsByUpperBoundInclusive) {
  Registry registry(1);
  auto& family = registry.histogram("latency_ms", "h", {1, 10});
  const Histogram histogram = family.withLabels({});
  histogram.observe(0, -5);  // below every bound: first bucket
  histogram.observe(0, 1);   // equal to a bound: that bucket
  histogram.observe(0, 1.0000001);
  histogram.observe(0, 1e9);                                       // above every bound: +Inf only
  histogram.observe(0, std::numeric_limits<double>::quiet_NaN());  // dropped
  EXPECT_EQ(histogram.count(), 4U);
  EXPECT_DOUBLE_EQ(histogram.sum(), -5 + 1 + 1.0000001 + 1e9);
  const std::string text = registry.render(Format::PrometheusText004);
  EXPECT_NE(text.find("latency_ms_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_ms_bucket{le=\"10\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("latency_ms_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
}

TEST(MetricsRegistryTest, LinkerdLatencyBuckets) {
  EXPECT_EQ(kLinkerdLatencyBucketsMs.size(), 25U);
  EXPECT_EQ(kLinkerdLatencyBucketsMs.front(), 1);
  EXPECT_EQ(kLinkerdLatencyBucketsMs[5], 10);
  EXPECT_EQ(kLinkerdLatencyBucketsMs.back(), 50000);
  EXPECT_TRUE(std::is_sorted(kLinkerdLatencyBucketsMs.begin(), kLinkerdLatencyBucketsMs.end()));
}

}  // namespace
}  // namespace wasmesh::metrics
