// Every family is bounded: a cap on label sets with one overflow series, and idle series
// dropped so that a burst long past does not hold memory or fill the cap for good.
#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

using std::chrono::milliseconds;

std::size_t countLines(const std::string& text, const std::string& prefix) {
  std::size_t count = 0;
  std::size_t at = 0;
  while ((at = text.find(prefix, at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n')
      ++count;
    at += prefix.size();
  }
  return count;
}

TEST(SeriesLimitsTest, NewLabelSetsBeyondTheCapShareOneOverflowSeries) {
  Registry registry(1, SeriesLimits{3, milliseconds(0)});
  auto& family = registry.counter("requests_total", "h");
  for (int i = 0; i < 10; ++i)
    family.withLabels({{"authority", "svc-" + std::to_string(i)}, {"code", "200"}}).add(0);
  // A label set seen before the cap filled keeps its own series.
  family.withLabels({{"authority", "svc-1"}, {"code", "200"}}).add(0, 5);
  const auto text = registry.render(Format::PrometheusText004);
  EXPECT_EQ(countLines(text, "requests_total{"), 4U) << text;
  EXPECT_NE(text.find("requests_total{authority=\"svc-1\",code=\"200\"} 6"), std::string::npos);
  EXPECT_NE(text.find("requests_total{authority=\"overflow\",code=\"overflow\"} 7"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wasmesh_metrics_series_folded_total{family=\"requests_total\"} 7"),
            std::string::npos)
      << text;
}

TEST(SeriesLimitsTest, NothingIsFoldedNothingIsReported) {
  Registry registry(1);
  registry.counter("requests_total", "h").withLabels({{"a", "b"}}).add(0);
  EXPECT_EQ(registry.render(Format::PrometheusText004).find("folded"), std::string::npos);
}

TEST(SeriesLimitsTest, HistogramsAndGaugesAreCappedToo) {
  Registry registry(1, SeriesLimits{2, milliseconds(0)});
  auto& histogram = registry.histogram("latency_ms", "h", {1, 10});
  auto& gauge = registry.gauge("open", "h");
  for (int i = 0; i < 5; ++i) {
    histogram.withLabels({{"peer", std::to_string(i)}}).observe(0, 3);
    gauge.withLabels({{"peer", std::to_string(i)}}).add(0, 1);
  }
  const auto text = registry.render(Format::PrometheusText004);
  EXPECT_EQ(countLines(text, "latency_ms_count{"), 3U) << text;
  EXPECT_NE(text.find("latency_ms_count{peer=\"overflow\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("open{peer=\"overflow\"} 3"), std::string::npos) << text;
}

TEST(SeriesLimitsTest, IdleSeriesAreDroppedAndMakeRoom) {
  Registry registry(1, SeriesLimits{2, milliseconds(20)});
  auto& family = registry.counter("requests_total", "h");
  family.withLabels({{"peer", "gone"}}).add(0);
  const Counter held = family.withLabels({{"peer", "held"}});
  held.add(0);
  std::this_thread::sleep_for(milliseconds(60));
  // The scrape drops what no handle holds and nobody used for 20 ms; a held series stays,
  // however long ago it was last updated.
  auto text = registry.render(Format::PrometheusText004);
  EXPECT_EQ(text.find("peer=\"gone\""), std::string::npos) << text;
  EXPECT_NE(text.find("requests_total{peer=\"held\"} 1"), std::string::npos) << text;
  // The dropped series made room: a new label set gets its own series, not overflow.
  family.withLabels({{"peer", "new"}}).add(0);
  text = registry.render(Format::PrometheusText004);
  EXPECT_NE(text.find("requests_total{peer=\"new\"} 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("overflow"), std::string::npos) << text;
}

TEST(SeriesLimitsTest, ZeroRetentionKeepsSeries) {
  Registry registry(1, SeriesLimits{10, milliseconds(0)});
  registry.counter("requests_total", "h").withLabels({{"peer", "a"}}).add(0);
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_NE(registry.render(Format::PrometheusText004).find("peer=\"a\""), std::string::npos);
}

TEST(SeriesLimitsTest, HandlesKeepTheirSeriesAcrossCopiesAndMoves) {
  Registry registry(1, SeriesLimits{10, milliseconds(1)});
  auto& family = registry.gauge("open", "h");
  Gauge moved;
  {
    Gauge original = family.withLabels({{"peer", "a"}});
    Gauge copy = original;
    moved = std::move(copy);
    original.add(0, 2);
  }
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_NE(registry.render(Format::PrometheusText004).find("open{peer=\"a\"} 2"),
            std::string::npos);
  moved.sub(0, 2);
  moved = Gauge();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(registry.render(Format::PrometheusText004).find("peer=\"a\""), std::string::npos);
}

TEST(SeriesLimitsTest, TheFoldedFamilyNameIsReserved) {
  Registry registry(1);
  EXPECT_THROW(registry.counter(Registry::kFoldedFamily, "h"), std::invalid_argument);
}

}  // namespace
}  // namespace wasmesh::metrics
