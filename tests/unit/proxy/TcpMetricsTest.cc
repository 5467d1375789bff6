#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <string>

#include "wasmesh/proxy/TcpMetrics.h"

namespace wasmesh::proxy {
namespace {

// The distinct values of `label` among the tcp_open_total series.
std::set<std::string> labelValues(const metrics::Registry& registry, const std::string& label) {
  const std::string text = registry.render(metrics::Format::PrometheusText004);
  const std::regex pattern("tcp_open_total\\{[^}]*" + label + "=\"([^\"]*)\"");
  std::set<std::string> values;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern);
       it != std::sregex_iterator(); ++it) {
    values.insert((*it)[1]);
  }
  return values;
}

TcpSideLabels inbound(std::uint16_t port) {
  TcpSideLabels labels;
  labels.direction = Direction::inbound;
  labels.peer = Peer::src;
  labels.target = {boost::asio::ip::make_address("10.0.0.7"), port};
  labels.noTlsReason = "no_tls_from_remote";
  return labels;
}

// Interception takes every port, so a port scan of the pod chooses inbound target ports:
// they must not add series without bound.
TEST(TcpMetricsTest, InboundTargetsChosenByRemoteClientsAreBounded) {
  metrics::Registry registry(1);
  TcpMetrics tcp(registry);
  for (std::uint16_t port = 1; port <= TcpMetrics::kMaxPeerChosenLabelSets + 50; ++port)
    tcp.side(inbound(port), 0).open();
  const auto ports = labelValues(registry, "target_port");
  EXPECT_EQ(ports.size(), TcpMetrics::kMaxPeerChosenLabelSets + 1);
  EXPECT_EQ(ports.count("overflow"), 1U);
  EXPECT_EQ(labelValues(registry, "target_addr").count("overflow"), 1U);
  // Folded together: the overflow series has target_ip="overflow" too, or every folded
  // connection would still be told apart by it.
  EXPECT_EQ(labelValues(registry, "target_ip"), (std::set<std::string>{"10.0.0.7", "overflow"}));
  // A target seen before the limit keeps its own series.
  tcp.side(inbound(1), 0).open();
  EXPECT_EQ(labelValues(registry, "target_port").count("1"), 1U);
}

TEST(TcpMetricsTest, OutboundTargetsAreTheApplicationsAndNotCapped) {
  metrics::Registry registry(1);
  TcpMetrics tcp(registry);
  for (std::uint16_t port = 1; port <= TcpMetrics::kMaxPeerChosenLabelSets + 50; ++port) {
    auto labels = inbound(port);
    labels.direction = Direction::outbound;
    tcp.side(labels, 0).open();
  }
  EXPECT_EQ(labelValues(registry, "target_port").size(), TcpMetrics::kMaxPeerChosenLabelSets + 50);
}

TEST(TcpMetricsTest, SniValuesAreBounded) {
  metrics::Registry registry(1);
  TcpMetrics tcp(registry);
  for (std::size_t i = 0; i < TcpMetrics::kMaxPeerChosenLabelSets + 5; ++i) {
    auto labels = inbound(443);
    labels.passthroughSni = "host-" + std::to_string(i) + ".example";
    tcp.side(labels, 0).open();
  }
  const auto names = labelValues(registry, "sni");
  EXPECT_EQ(names.size(), TcpMetrics::kMaxPeerChosenLabelSets + 1);
  EXPECT_EQ(names.count("overflow"), 1U);
}

// The attack from the field: distinct SNIs spread over many ports. Bounding SNI and port
// each at 1000 still allowed a million combinations.
TEST(TcpMetricsTest, CombinationsOfPortAndSniAreBoundedAsOne) {
  metrics::Registry registry(1);
  TcpMetrics tcp(registry);
  for (std::size_t i = 0; i < 20'000; ++i) {
    auto labels = inbound(static_cast<std::uint16_t>(1000 + i % 100));
    labels.passthroughSni = "host-" + std::to_string(i) + ".example";
    tcp.side(labels, 0).open();
  }
  const std::string text = registry.render(metrics::Format::PrometheusText004);
  const auto series = static_cast<std::size_t>(
      std::count(text.begin(), text.end(), '\n'));  // one line per series, plus headers
  EXPECT_LT(series, 4 * (TcpMetrics::kMaxPeerChosenLabelSets + 10));
  EXPECT_EQ(labelValues(registry, "sni").count("overflow"), 1U);
}

TEST(TcpMetricsTest, EveryFamilyIsCappedAndFoldingIsCounted) {
  metrics::SeriesLimits limits;
  limits.maxSeries = 10;
  metrics::Registry registry(1, limits);
  TcpMetrics tcp(registry);
  for (std::uint16_t port = 1; port <= 30; ++port) {
    auto labels = inbound(port);
    labels.direction = Direction::outbound;  // not bounded per label: only the family cap
    tcp.side(labels, 0).open();
  }
  const auto ports = labelValues(registry, "target_port");
  EXPECT_EQ(ports.size(), 11U);
  EXPECT_EQ(ports.count("overflow"), 1U);
  const std::string text = registry.render(metrics::Format::PrometheusText004);
  EXPECT_NE(text.find("wasmesh_metrics_series_folded_total{family=\"tcp_open_total\"} 20"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace wasmesh::proxy
