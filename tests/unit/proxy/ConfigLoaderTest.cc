#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/ConfigLoader.h"

namespace wasmesh::proxy {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

std::string errorOf(const std::string& yaml, const Environment& env = {}) {
  try {
    loadConfigFromString(yaml, env);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(ConfigLoaderTest, DefaultsMatchLinkerd) {
  const auto config = loadConfig(std::nullopt, {});
  EXPECT_GE(config.workers, 1U);
  EXPECT_EQ(formatSocketAddress(config.adminListen), "127.0.0.1:4191");
  ASSERT_EQ(config.inbound.listen.size(), 2U);
  EXPECT_EQ(formatSocketAddress(config.inbound.listen[0]), "0.0.0.0:4143");
  EXPECT_EQ(formatSocketAddress(config.inbound.listen[1]), "[::]:4143");
  ASSERT_EQ(config.outbound.listen.size(), 2U);
  EXPECT_EQ(formatSocketAddress(config.outbound.listen[0]), "127.0.0.1:4140");
  EXPECT_EQ(formatSocketAddress(config.outbound.listen[1]), "[::1]:4140");
  EXPECT_EQ(config.inbound.connectTimeout, milliseconds{300});
  EXPECT_EQ(config.outbound.connectTimeout, milliseconds{1000});
  EXPECT_EQ(config.shutdownGracePeriod, milliseconds{120'000});
  EXPECT_TRUE(config.routes.empty());
}

TEST(ConfigLoaderTest, PrintedDefaultsLoadToTheDefaults) {
  const auto printed = loadConfigFromString(defaultConfigYaml(), {});
  const auto builtIn = loadConfig(std::nullopt, {});
  EXPECT_EQ(printed.adminListen, builtIn.adminListen);
  EXPECT_EQ(printed.inbound.listen, builtIn.inbound.listen);
  EXPECT_EQ(printed.outbound.listen, builtIn.outbound.listen);
  EXPECT_EQ(printed.inbound.connectTimeout, builtIn.inbound.connectTimeout);
  EXPECT_EQ(printed.outbound.idleTimeout, builtIn.outbound.idleTimeout);
  EXPECT_EQ(printed.shutdownGracePeriod, builtIn.shutdownGracePeriod);
  EXPECT_EQ(printed.tcpBufferSize, builtIn.tcpBufferSize);
  EXPECT_EQ(printed.tcpMaxConnections, builtIn.tcpMaxConnections);
}

TEST(ConfigLoaderTest, ReadsEverySection) {
  const auto config = loadConfigFromString(R"(
proxy: {workers: 3, shutdown_grace_period: 5s}
log: {level: debug, format: json}
admin: {listen: "0.0.0.0:4191"}
inbound: {listen: ["10.0.0.1:4143"], connect_timeout: 100ms, idle_timeout: 5m}
outbound: {listen: "127.0.0.1:4140, [::1]:4140", connect_timeout: 2s}
tcp: {buffer_size: 16KiB, max_connections: 500}
routes:
  - {name: web, listen: "127.0.0.1:8080", target: "127.0.0.1:9090", direction: inbound}
)",
                                           {});
  EXPECT_EQ(config.workers, 3U);
  EXPECT_EQ(config.shutdownGracePeriod, milliseconds{5000});
  EXPECT_EQ(config.logLevel, "debug");
  EXPECT_EQ(config.logFormat, LogFormat::json);
  EXPECT_EQ(formatSocketAddress(config.adminListen), "0.0.0.0:4191");
  EXPECT_EQ(config.inbound.connectTimeout, milliseconds{100});
  EXPECT_EQ(config.inbound.idleTimeout, milliseconds{300'000});
  EXPECT_EQ(config.outbound.listen.size(), 2U);
  EXPECT_EQ(config.tcpBufferSize, 16U * 1024U);
  EXPECT_EQ(config.tcpMaxConnections, 500U);
  ASSERT_EQ(config.routes.size(), 1U);
  EXPECT_EQ(config.routes[0].name, "web");
  EXPECT_EQ(config.routes[0].direction, Direction::inbound);
  EXPECT_EQ(formatSocketAddress(config.routes[0].target), "127.0.0.1:9090");
}

TEST(ConfigLoaderTest, EnvironmentOverridesTheFile) {
  const auto config = loadConfigFromString("inbound: {connect_timeout: 1s}\n",
                                           {{"WASMESH_INBOUND_CONNECT_TIMEOUT", "750ms"},
                                            {"WASMESH_PROXY_WORKERS", "2"},
                                            {"WASMESH_ADMIN_LISTEN", "127.0.0.1:9999"},
                                            {"PATH", "/usr/bin"}});
  EXPECT_EQ(config.inbound.connectTimeout, milliseconds{750});
  EXPECT_EQ(config.workers, 2U);
  EXPECT_EQ(config.adminListen.port(), 9999);
}

TEST(ConfigLoaderTest, ErrorsNameTheKeyAndTheValue) {
  EXPECT_EQ(errorOf("inbound: {connect_timeout: 3x}"),
            "inbound.connect_timeout: \"3x\" is not a duration (an integer with a unit: ms, s, "
            "m, h, d)");
  EXPECT_THAT(errorOf("admin: {listen: 'localhost:4191'}"),
              HasSubstr("admin.listen: \"localhost:4191\" is not an address"));
  EXPECT_THAT(errorOf("inbound: {listen: ['0.0.0.0:99999']}"), HasSubstr("inbound.listen"));
  EXPECT_THAT(errorOf("tcp: {buffer_size: 1}"), HasSubstr("tcp.buffer_size: \"1\""));
  EXPECT_THAT(errorOf("proxy: {workers: -1}"), HasSubstr("proxy.workers: \"-1\""));
  EXPECT_THAT(errorOf("log: {level: loud}"), HasSubstr("log.level: \"loud\""));
  EXPECT_THAT(errorOf("", {{"WASMESH_OUTBOUND_IDLE_TIMEOUT", "1.5s"}}),
              HasSubstr("WASMESH_OUTBOUND_IDLE_TIMEOUT: \"1.5s\" is not a duration"));
}

TEST(ConfigLoaderTest, UnknownKeysAreErrors) {
  EXPECT_EQ(errorOf("inbound: {conect_timeout: 1s}"), "inbound.conect_timeout: unknown key");
  EXPECT_EQ(errorOf("inboud: {}"), "inboud: unknown key");
  EXPECT_THAT(errorOf("", {{"WASMESH_INBOUND_TIMEOUT", "1s"}}),
              HasSubstr("WASMESH_INBOUND_TIMEOUT: unknown configuration variable"));
  EXPECT_EQ(errorOf("routes: [{listen: '127.0.0.1:1', target: '127.0.0.1:2', via: x}]"),
            "routes[0].via: unknown key");
}

TEST(ConfigLoaderTest, GarbageIsReportedWithItsPosition) {
  EXPECT_THAT(errorOf("inbound: [unclosed"), HasSubstr("configuration: line"));
  EXPECT_THAT(errorOf("- just\n- a list\n"), HasSubstr("the top level must be a mapping"));
  EXPECT_THAT(errorOf("inbound: {listen: {a: b}}"), HasSubstr("inbound.listen"));
}

TEST(ConfigLoaderTest, CrossFieldChecks) {
  EXPECT_THAT(errorOf("admin: {listen: '127.0.0.1:4140'}"),
              HasSubstr("is used by more than one listener"));
  EXPECT_THAT(errorOf("routes: [{listen: '127.0.0.1:5000'}]"), HasSubstr("routes[0].target"));
  EXPECT_THAT(errorOf("routes: [{name: a, listen: '127.0.0.1:5000', target: '127.0.0.1:1'},"
                      " {name: a, listen: '127.0.0.1:5001', target: '127.0.0.1:1'}]"),
              HasSubstr("used twice"));
}

TEST(ConfigLoaderTest, UnreadableFileIsAnError) {
  try {
    loadConfig(std::string("/nonexistent/wasmesh.yaml"), {});
    FAIL() << "expected an error";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot read \"/nonexistent/wasmesh.yaml\""));
  }
}

TEST(ConfigLoaderTest, ExampleFileInDeployLoads) {
  const auto config = loadConfig(std::string(WASMESH_EXAMPLE_CONFIG), {});
  EXPECT_FALSE(config.routes.empty());
  EXPECT_EQ(formatSocketAddress(config.adminListen), "0.0.0.0:4191");
}

}  // namespace
}  // namespace wasmesh::proxy
