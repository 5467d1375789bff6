// The real exposition must pass `promtool check metrics`, Prometheus's own parser and linter.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "wasmesh/metrics/LatencyBuckets.h"
#include "wasmesh/metrics/ProcessCollector.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::metrics {
namespace {

// promtool exits 1 when it cannot parse the input and 3 when it only has lint findings.
constexpr int kPromtoolLintOnly = 3;

// Linkerd's own names that promtool's naming lint dislikes; wasmesh keeps them on purpose so
// that Linkerd's dashboards and alerts work unchanged.
bool isAcceptedLint(const std::string& line) {
  return line == "response_latency_ms metric names should not contain abbreviated units";
}

std::string promtoolPath() {
#ifdef WASMESH_PROMTOOL
  if (std::filesystem::exists(WASMESH_PROMTOOL)) {
    return WASMESH_PROMTOOL;
  }
#endif
  return {};
}

// The families the proxy exports, with Linkerd's labels and some awkward label values.
void fillLikeTheProxy(Registry& registry) {
  const Labels inbound{{"direction", "inbound"},
                       {"peer", "src"},
                       {"target_addr", "10.0.0.7:8080"},
                       {"target_ip", "10.0.0.7"},
                       {"target_port", "8080"},
                       {"tls", "no_identity"},
                       {"no_tls_reason", "no_tls_from_remote"}};
  const Labels outbound{{"direction", "outbound"},
                        {"peer", "dst"},
                        {"target_addr", "[fd00::1]:443"},
                        {"target_ip", "fd00::1"},
                        {"target_port", "443"},
                        {"tls", "true"},
                        {"server_id", "web.ns.serviceaccount.identity.linkerd.cluster.local"}};
  registry.counter("tcp_open_total", "Total count of opened connections")
      .withLabels(inbound)
      .add(0, 3);
  Labels closed = inbound;
  closed.emplace_back("errno", "");
  auto& close = registry.counter("tcp_close_total", "Total count of closed connections");
  close.withLabels(closed).add(0, 2);
  closed.back().second = "ECONNRESET";
  close.withLabels(closed).add(1);
  registry.gauge("tcp_open_connections", "Number of currently open connections")
      .withLabels(outbound)
      .add(1, 1);
  registry.counter("tcp_read_bytes_total", "Total count of bytes read from peers")
      .withLabels(inbound)
      .add(0, 123456789);
  registry.counter("tcp_write_bytes_total", "Total count of bytes written to peers")
      .withLabels(outbound)
      .add(1, 42);
  auto& latency = registry.histogram(
      "response_latency_ms",
      "Elapsed times between a request's headers being received "
      "and its response stream completing",
      std::vector<double>(kLinkerdLatencyBucketsMs.begin(), kLinkerdLatencyBucketsMs.end()));
  const Histogram ok = latency.withLabels({{"direction", "outbound"},
                                           {"authority", "web.ns.svc:80 \"odd\" \\ \n name"},
                                           {"status_code", "200"}});
  for (const double ms : {0.3, 1.0, 7.5, 49999.0, 90000.0}) {
    ok.observe(0, ms);
  }
  registry.addCollector(std::make_shared<ProcessCollector>());
}

TEST(MetricsPromtoolTest, PrometheusTextPassesPromtoolCheck) {
  const std::string promtool = promtoolPath();
  if (promtool.empty()) {
    GTEST_SKIP() << "promtool not installed";
  }
  Registry registry(2);
  fillLikeTheProxy(registry);
  const std::string text = registry.render(Format::PrometheusText004);

  const auto dir = std::filesystem::temp_directory_path();
  const std::string stem = "wasmesh-metrics-promtool-" + std::to_string(getpid());
  const auto input = dir / (stem + ".prom");
  const auto output = dir / (stem + ".out");
  std::ofstream(input) << text;
  const std::string command =
      promtool + " check metrics < " + input.string() + " > " + output.string() + " 2>&1";
  const int status = std::system(command.c_str());  // NOLINT(concurrency-mt-unsafe): test only
  std::stringstream report;
  report << std::ifstream(output).rdbuf();
  std::filesystem::remove(input);
  std::filesystem::remove(output);

  ASSERT_TRUE(WIFEXITED(status)) << "promtool did not run: " << command;
  const int exitCode = WEXITSTATUS(status);
  ASSERT_TRUE(exitCode == 0 || exitCode == kPromtoolLintOnly)
      << "promtool could not parse the exposition:\n"
      << report.str() << "\non:\n"
      << text;
  std::string line;
  while (std::getline(report, line)) {
    EXPECT_TRUE(line.empty() || isAcceptedLint(line)) << "promtool: " << line;
  }
}

}  // namespace
}  // namespace wasmesh::metrics
