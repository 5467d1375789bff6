#include <gtest/gtest.h>

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
  for (std::uint16_t port = 1; port <= TcpMetrics::kMaxInboundTargets + 50; ++port)
    tcp.side(inbound(port), 0).open();
  const auto ports = labelValues(registry, "target_port");
  EXPECT_EQ(ports.size(), TcpMetrics::kMaxInboundTargets + 1);
  EXPECT_EQ(ports.count("overflow"), 1U);
  EXPECT_EQ(labelValues(registry, "target_addr").count("overflow"), 1U);
  EXPECT_EQ(labelValues(registry, "target_ip"), std::set<std::string>{"10.0.0.7"});
  // A target seen before the limit keeps its own series.
  tcp.side(inbound(1), 0).open();
  EXPECT_EQ(labelValues(registry, "target_port").count("1"), 1U);
}

TEST(TcpMetricsTest, OutboundTargetsAreTheApplicationsAndNotCapped) {
  metrics::Registry registry(1);
  TcpMetrics tcp(registry);
  for (std::uint16_t port = 1; port <= TcpMetrics::kMaxInboundTargets + 50; ++port) {
    auto labels = inbound(port);
    labels.direction = Direction::outbound;
    tcp.side(labels, 0).open();
  }
  EXPECT_EQ(labelValues(registry, "target_port").size(), TcpMetrics::kMaxInboundTargets + 50);
}

TEST(TcpMetricsTest, SniValuesAreBounded) {
  metrics::Registry registry(1);
  TcpMetrics tcp(registry);
  for (std::size_t i = 0; i < TcpMetrics::kMaxSniValues + 5; ++i) {
    auto labels = inbound(443);
    labels.passthroughSni = "host-" + std::to_string(i) + ".example";
    tcp.side(labels, 0).open();
  }
  const auto names = labelValues(registry, "sni");
  EXPECT_EQ(names.size(), TcpMetrics::kMaxSniValues + 1);
  EXPECT_EQ(names.count("overflow"), 1U);
}

}  // namespace
}  // namespace wasmesh::proxy
