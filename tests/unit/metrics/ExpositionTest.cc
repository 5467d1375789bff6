// Exact output of both exposition formats, byte for byte.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

// A collector that emits fixed samples, to drive number formatting and odd inputs.
class FixedCollector final : public Collector {
 public:
  struct Sample {
    Labels labels;
    double value;
  };
  FixedCollector(std::string name, MetricType type, std::vector<Sample> samples)
      : name_(std::move(name)), type_(type), samples_(std::move(samples)) {}

  void collect(Sink& sink) override {
    sink.family(name_, "Fixed values.", type_);
    for (const Sample& sample : samples_) {
      sink.sample(sample.labels, sample.value);
    }
  }

 private:
  std::string name_;
  MetricType type_;
  std::vector<Sample> samples_;
};

class MetricsExpositionTest : public ::testing::Test {
 protected:
  void fillTcp() {
    auto& open = registry_.counter("tcp_open_total", "Total count of opened connections");
    open.withLabels({{"direction", "inbound"}, {"peer", "src"}}).add(0, 2);
    open.withLabels({{"direction", "inbound"}, {"peer", "src"}}).add(1, 3);
    open.withLabels({{"direction", "outbound"}, {"peer", "dst"}}).add(1);
    auto connections =
        registry_.gauge("tcp_open_connections", "Number of open connections").withLabels({});
    connections.add(0, 3);
    connections.sub(1, 1);
  }

  void fillLatency() {
    auto& latency = registry_.histogram("response_latency_ms", "Response latency", {1, 2.5, 10});
    const Histogram ok = latency.withLabels({{"status_code", "200"}});
    ok.observe(0, 0.5);
    ok.observe(1, 1);  // on the bound: counted in le="1"
    ok.observe(0, 3);
    ok.observe(1, 100);
  }

  Registry registry_{2};
};

TEST_F(MetricsExpositionTest, CounterAndGaugeInPrometheusText) {
  fillTcp();
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP tcp_open_total Total count of opened connections\n"
            "# TYPE tcp_open_total counter\n"
            "tcp_open_total{direction=\"inbound\",peer=\"src\"} 5\n"
            "tcp_open_total{direction=\"outbound\",peer=\"dst\"} 1\n"
            "# HELP tcp_open_connections Number of open connections\n"
            "# TYPE tcp_open_connections gauge\n"
            "tcp_open_connections 2\n");
}

TEST_F(MetricsExpositionTest, CounterAndGaugeInOpenMetrics) {
  fillTcp();
  EXPECT_EQ(registry_.render(Format::OpenMetrics100),
            "# HELP tcp_open Total count of opened connections\n"
            "# TYPE tcp_open counter\n"
            "tcp_open_total{direction=\"inbound\",peer=\"src\"} 5\n"
            "tcp_open_total{direction=\"outbound\",peer=\"dst\"} 1\n"
            "# HELP tcp_open_connections Number of open connections\n"
            "# TYPE tcp_open_connections gauge\n"
            "tcp_open_connections 2\n"
            "# EOF\n");
}

TEST_F(MetricsExpositionTest, HistogramInPrometheusText) {
  fillLatency();
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP response_latency_ms Response latency\n"
            "# TYPE response_latency_ms histogram\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"1\"} 2\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"2.5\"} 2\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"10\"} 3\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"+Inf\"} 4\n"
            "response_latency_ms_sum{status_code=\"200\"} 104.5\n"
            "response_latency_ms_count{status_code=\"200\"} 4\n");
}

TEST_F(MetricsExpositionTest, HistogramInOpenMetrics) {
  fillLatency();
  EXPECT_EQ(registry_.render(Format::OpenMetrics100),
            "# HELP response_latency_ms Response latency\n"
            "# TYPE response_latency_ms histogram\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"1.0\"} 2\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"2.5\"} 2\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"10.0\"} 3\n"
            "response_latency_ms_bucket{status_code=\"200\",le=\"+Inf\"} 4\n"
            "response_latency_ms_count{status_code=\"200\"} 4\n"
            "response_latency_ms_sum{status_code=\"200\"} 104.5\n"
            "# EOF\n");
}

TEST_F(MetricsExpositionTest, HistogramWithoutLabels) {
  registry_.histogram("wait_ms", "Wait", {5}).withLabels({}).observe(0, 7);
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP wait_ms Wait\n"
            "# TYPE wait_ms histogram\n"
            "wait_ms_bucket{le=\"5\"} 0\n"
            "wait_ms_bucket{le=\"+Inf\"} 1\n"
            "wait_ms_sum 7\n"
            "wait_ms_count 1\n");
}

TEST_F(MetricsExpositionTest, BucketBoundsFollowGoFormatting) {
  registry_.histogram("bounds", "b", {0.00001, 0.0001, 0.5, 1, 100000, 1000000, 1234567})
      .withLabels({})
      .observe(0, 2);
  const std::string text = registry_.render(Format::PrometheusText004);
  for (const char* le : {"1e-05", "0.0001", "0.5", "1", "100000", "1e+06", "1.234567e+06"}) {
    EXPECT_NE(text.find(std::string("le=\"") + le + "\""), std::string::npos) << le;
  }
  const std::string om = registry_.render(Format::OpenMetrics100);
  for (const char* le :
       {"1e-05", "0.0001", "0.5", "1.0", "100000.0", "1e+06", "1.234567e+06", "+Inf"}) {
    EXPECT_NE(om.find(std::string("le=\"") + le + "\""), std::string::npos) << le;
  }
}

TEST_F(MetricsExpositionTest, EscapesLabelValuesAndHelp) {
  registry_.counter("escape_total", "line1\nback\\slash \"quoted\"")
      .withLabels({{"v", "a\\b\"c\nd"}})
      .add(0);
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP escape_total line1\\nback\\\\slash \"quoted\"\n"
            "# TYPE escape_total counter\n"
            "escape_total{v=\"a\\\\b\\\"c\\nd\"} 1\n");
  EXPECT_EQ(registry_.render(Format::OpenMetrics100),
            "# HELP escape line1\\nback\\\\slash \\\"quoted\\\"\n"
            "# TYPE escape counter\n"
            "escape_total{v=\"a\\\\b\\\"c\\nd\"} 1\n"
            "# EOF\n");
}

TEST_F(MetricsExpositionTest, InvalidUtf8LabelValuesShareOneSanitizedSeries) {
  auto& family = registry_.counter("sni_total", "By SNI");
  family.withLabels({{"sni", "ab\xff"}}).add(0);
  family.withLabels({{"sni", "ab\xfe"}}).add(0);
  family.withLabels({{"sni", "caf\xc3\xa9"}}).add(0);  // valid UTF-8 stays as is
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP sni_total By SNI\n"
            "# TYPE sni_total counter\n"
            "sni_total{sni=\"ab\xEF\xBF\xBD\"} 2\n"
            "sni_total{sni=\"caf\xc3\xa9\"} 1\n");
}

TEST_F(MetricsExpositionTest, FamiliesWithoutSeriesEmitNothing) {
  registry_.counter("unused_total", "never used");
  registry_.gauge("unused_gauge", "never used");
  registry_.histogram("unused_ms", "never used", {1, 2});
  EXPECT_EQ(registry_.render(Format::PrometheusText004), "");
  EXPECT_EQ(registry_.render(Format::OpenMetrics100), "# EOF\n");
}

TEST_F(MetricsExpositionTest, ZeroValuedSeriesAreEmitted) {
  registry_.counter("zero_total", "zero").withLabels({{"a", "b"}});
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP zero_total zero\n# TYPE zero_total counter\nzero_total{a=\"b\"} 0\n");
}

TEST_F(MetricsExpositionTest, NumbersAreExactAndShortest) {
  const double inf = std::numeric_limits<double>::infinity();
  registry_.addCollector(std::make_shared<FixedCollector>(
      "numbers", MetricType::Gauge,
      std::vector<FixedCollector::Sample>{{{{"k", "int"}}, 42},
                                          {{{"k", "negative"}}, -3},
                                          {{{"k", "big"}}, 1e20},
                                          {{{"k", "fraction"}}, 0.1},
                                          {{{"k", "seconds"}}, 1700000000.5},
                                          {{{"k", "tiny"}}, 1e-7},
                                          {{{"k", "huge"}}, 1e300},
                                          {{{"k", "negzero"}}, -0.0},
                                          {{{"k", "inf"}}, inf},
                                          {{{"k", "ninf"}}, -inf},
                                          {{{"k", "nan"}}, std::nan("")}}));
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP numbers Fixed values.\n"
            "# TYPE numbers gauge\n"
            "numbers{k=\"int\"} 42\n"
            "numbers{k=\"negative\"} -3\n"
            "numbers{k=\"big\"} 100000000000000000000\n"
            "numbers{k=\"fraction\"} 0.1\n"
            "numbers{k=\"seconds\"} 1700000000.5\n"
            "numbers{k=\"tiny\"} 1e-07\n"
            "numbers{k=\"huge\"} 1e+300\n"
            "numbers{k=\"negzero\"} 0\n"
            "numbers{k=\"inf\"} +Inf\n"
            "numbers{k=\"ninf\"} -Inf\n"
            "numbers{k=\"nan\"} NaN\n");
}

TEST_F(MetricsExpositionTest, CollectorCounterWithoutSuffixGetsItInOpenMetrics) {
  registry_.addCollector(std::make_shared<FixedCollector>(
      "events", MetricType::Counter, std::vector<FixedCollector::Sample>{{{}, 7}}));
  EXPECT_EQ(registry_.render(Format::OpenMetrics100),
            "# HELP events Fixed values.\n# TYPE events counter\nevents_total 7\n# EOF\n");
}

TEST_F(MetricsExpositionTest, InvalidOrDuplicateCollectorFamiliesAreDropped) {
  registry_.gauge("taken", "registered").withLabels({}).add(0, 1);
  registry_.addCollector(std::make_shared<FixedCollector>(
      "taken", MetricType::Gauge, std::vector<FixedCollector::Sample>{{{}, 2}}));
  registry_.addCollector(std::make_shared<FixedCollector>(
      "bad name", MetricType::Gauge, std::vector<FixedCollector::Sample>{{{}, 3}}));
  EXPECT_EQ(registry_.render(Format::PrometheusText004),
            "# HELP taken registered\n# TYPE taken gauge\ntaken 1\n");
}

TEST_F(MetricsExpositionTest, RendersInRegistrationOrderIncludingCollectors) {
  registry_.counter("first_total", "1").withLabels({}).add(0);
  registry_.addCollector(std::make_shared<FixedCollector>(
      "second", MetricType::Gauge, std::vector<FixedCollector::Sample>{{{}, 2}}));
  registry_.gauge("third", "3").withLabels({}).add(0, 3);
  const std::string text = registry_.render(Format::PrometheusText004);
  const auto first = text.find("first_total 1");
  const auto second = text.find("second 2");
  const auto third = text.find("third 3");
  ASSERT_NE(third, std::string::npos);
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
}

}  // namespace
}  // namespace wasmesh::metrics
