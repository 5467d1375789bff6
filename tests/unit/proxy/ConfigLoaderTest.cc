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
  for (const auto* traffic : {&config.inbound, &config.outbound}) {
    EXPECT_EQ(traffic->detectTimeout, milliseconds{10'000});
    EXPECT_EQ(traffic->opaquePorts.toString(),
              "25,587,3306,4222,4444,5432,6222,6379,7422,9300,11211");
    EXPECT_TRUE(traffic->http1Ports.empty());
    EXPECT_TRUE(traffic->http2Ports.empty());
    EXPECT_EQ(portClassOf(*traffic, 4222), PortClass::opaque);
    EXPECT_EQ(portClassOf(*traffic, 14222), PortClass::detect);
  }
}

TEST(ConfigLoaderTest, PortClassesPerDirection) {
  const auto config = loadConfigFromString(R"(
inbound: {opaque_ports: [25, "8000-8002"], http1_ports: "8080", detect_timeout: 2s}
outbound: {opaque_ports: "", http2_ports: "9090,9091"}
)",
                                           {{"WASMESH_OUTBOUND_HTTP1_PORTS", "80, 8080"}});
  EXPECT_EQ(config.inbound.opaquePorts.toString(), "25,8000-8002");
  EXPECT_EQ(config.inbound.detectTimeout, milliseconds{2000});
  EXPECT_EQ(portClassOf(config.inbound, 8001), PortClass::opaque);
  EXPECT_EQ(portClassOf(config.inbound, 8080), PortClass::http1);
  EXPECT_EQ(portClassOf(config.inbound, 4222), PortClass::detect);
  EXPECT_TRUE(config.outbound.opaquePorts.empty());
  EXPECT_EQ(portClassOf(config.outbound, 8080), PortClass::http1);
  EXPECT_EQ(portClassOf(config.outbound, 9091), PortClass::http2);
  EXPECT_EQ(config.outbound.detectTimeout, milliseconds{10'000});
}

TEST(ConfigLoaderTest, PortClassErrorsNameTheKey) {
  EXPECT_EQ(errorOf("inbound: {opaque_ports: 'http, 8080'}"),
            "inbound.opaque_ports: \"http, 8080\" is not a port number (named ports are "
            "resolved by the injector, not the proxy)");
  EXPECT_THAT(errorOf("outbound: {http2_ports: '90-80'}"),
              HasSubstr("outbound.http2_ports: \"90-80\""));
  EXPECT_EQ(errorOf("inbound: {http1_ports: '4222'}"),
            "inbound: port 4222 is in both inbound.opaque_ports and inbound.http1_ports");
  EXPECT_EQ(errorOf("outbound: {opaque_ports: '', http1_ports: '80-90', http2_ports: '85'}"),
            "outbound: port 85 is in both outbound.http1_ports and outbound.http2_ports");
  EXPECT_THAT(errorOf("inbound: {detect_timeout: 0}"),
              HasSubstr("inbound.detect_timeout: \"0\" must be greater than 0"));
  EXPECT_THAT(errorOf("", {{"WASMESH_INBOUND_DETECT_TIMEOUT", "10"}}),
              HasSubstr("WASMESH_INBOUND_DETECT_TIMEOUT: \"10\" is not a duration"));
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
  EXPECT_EQ(printed.adminShutdownEnabled, builtIn.adminShutdownEnabled);
  EXPECT_EQ(printed.metricsMaxSeriesPerFamily, builtIn.metricsMaxSeriesPerFamily);
  EXPECT_EQ(printed.metricsRetainIdle, builtIn.metricsRetainIdle);
  for (const auto side : {&Config::inbound, &Config::outbound}) {
    EXPECT_EQ((printed.*side).maxConnections, (builtIn.*side).maxConnections);
    EXPECT_EQ((printed.*side).keepalive, (builtIn.*side).keepalive);
    EXPECT_EQ((printed.*side).userTimeout, (builtIn.*side).userTimeout);
    EXPECT_EQ((printed.*side).detectTimeout, (builtIn.*side).detectTimeout);
    EXPECT_EQ((printed.*side).opaquePorts, (builtIn.*side).opaquePorts);
    EXPECT_EQ((printed.*side).http1Ports, (builtIn.*side).http1Ports);
    EXPECT_EQ((printed.*side).http2Ports, (builtIn.*side).http2Ports);
  }
}

TEST(ConfigLoaderTest, ReadsEverySection) {
  const auto config = loadConfigFromString(R"(
proxy: {workers: 3, shutdown_grace_period: 5s}
log: {level: debug, format: json}
admin: {listen: "0.0.0.0:4191", shutdown_enabled: true}
metrics: {max_series_per_family: 100, retain_idle: 1m}
inbound: {listen: ["10.0.0.1:4143"], connect_timeout: 100ms, idle_timeout: 5m,
          max_connections: 500, keepalive: 2s, user_timeout: 0s}
outbound: {listen: "127.0.0.1:4140, [::1]:4140", connect_timeout: 2s, max_connections: auto}
tcp: {buffer_size: 16KiB}
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
  EXPECT_TRUE(config.adminShutdownEnabled);
  EXPECT_EQ(config.metricsMaxSeriesPerFamily, 100U);
  EXPECT_EQ(config.metricsRetainIdle, milliseconds{60'000});
  EXPECT_EQ(config.inbound.maxConnections, 500U);
  EXPECT_EQ(config.inbound.keepalive, milliseconds{2000});
  EXPECT_EQ(config.inbound.userTimeout, milliseconds{0});
  EXPECT_EQ(config.outbound.maxConnections, 0U);
  ASSERT_EQ(config.routes.size(), 1U);
  EXPECT_EQ(config.routes[0].name, "web");
  EXPECT_EQ(config.routes[0].direction, Direction::inbound);
  EXPECT_EQ(formatSocketAddress(config.routes[0].target), "127.0.0.1:9090");
}

TEST(ConfigLoaderTest, ShutdownIsOffByDefaultAndBooleansAreStrict) {
  EXPECT_FALSE(loadConfig(std::nullopt, {}).adminShutdownEnabled);
  EXPECT_TRUE(
      loadConfig(std::nullopt, {{"WASMESH_ADMIN_SHUTDOWN_ENABLED", "true"}}).adminShutdownEnabled);
  try {
    loadConfigFromString("admin: {shutdown_enabled: yes please}\n", {});
    FAIL() << "accepted a non-boolean";
  } catch (const ConfigError& error) {
    EXPECT_STREQ(error.what(),
                 "admin.shutdown_enabled: \"yes please\" is not a boolean (true, false)");
  }
}

TEST(ConfigLoaderTest, DefaultPolicyAndClusterNetworks) {
  const auto defaults = loadConfig(std::nullopt, {});
  EXPECT_EQ(defaults.inboundDefaultPolicy, policy::DefaultPolicy::allUnauthenticated);
  EXPECT_EQ(defaults.clusterNetworks.size(), 5U);
  const auto config =
      loadConfig(std::nullopt, {{"WASMESH_INBOUND_DEFAULT_POLICY", "cluster-authenticated"},
                                {"WASMESH_INBOUND_CLUSTER_NETWORKS", "10.0.0.0/8, fd00::/8"}});
  EXPECT_EQ(config.inboundDefaultPolicy, policy::DefaultPolicy::clusterAuthenticated);
  EXPECT_EQ(config.clusterNetworks.size(), 2U);
  try {
    loadConfigFromString("inbound: {default_policy: allow-all}\n", {});
    FAIL() << "accepted a policy Linkerd does not have";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(), HasSubstr("inbound.default_policy: \"allow-all\" is not a default "
                                        "policy (all-unauthenticated"));
  }
}

TEST(ConfigLoaderTest, TheSharedConnectionLimitIsGoneWithAPointer) {
  try {
    loadConfigFromString("tcp: {max_connections: 500}\n", {});
    FAIL() << "accepted tcp.max_connections";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("inbound.max_connections"), std::string::npos);
  }
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

TEST(ConfigLoaderTest, IdentityFromFilesOrFromTheService) {
  const auto unmeshed = loadConfig(std::nullopt, {});
  EXPECT_FALSE(unmeshed.identity.configured());
  EXPECT_TRUE(unmeshed.discoveryFile.empty());

  const auto files = loadConfigFromString(R"(
identity:
  id: spiffe://cluster.local/ns/default/sa/web
  trust_anchors: /etc/ca.crt
  cert_file: /etc/tls.crt
  key_file: /etc/tls.key
discovery: {file: /etc/discovery.yaml}
)",
                                          {});
  EXPECT_TRUE(files.identity.configured());
  EXPECT_FALSE(files.identity.usesService());
  EXPECT_EQ(files.identity.certFile, "/etc/tls.crt");
  EXPECT_EQ(files.discoveryFile, "/etc/discovery.yaml");

  const auto service =
      loadConfigFromString("", {{"WASMESH_IDENTITY_ID", "spiffe://td/ns/a/sa/b"},
                                {"WASMESH_IDENTITY_TRUST_ANCHORS", "-----BEGIN CERTIFICATE-----"},
                                {"WASMESH_IDENTITY_SERVICE", "10.0.0.1:8080"},
                                {"WASMESH_IDENTITY_TOKEN_FILE", "/t"},
                                {"WASMESH_DISCOVERY_FILE", "/d.yaml"}});
  EXPECT_TRUE(service.identity.usesService());
  EXPECT_EQ(service.identity.service->port, 8080);
  EXPECT_EQ(service.discoveryFile, "/d.yaml");
  // A Service's DNS name, resolved when the proxy connects.
  const auto named = loadConfigFromString(
      "identity: {id: 'spiffe://td/ns/a/sa/b', trust_anchors: /ca, "
      "service: 'wasmesh-identity.wasmesh.svc:8080', token_file: /t}",
      {});
  EXPECT_EQ(named.identity.service->host, "wasmesh-identity.wasmesh.svc");
}

TEST(ConfigLoaderTest, IdentityErrorsNameWhatIsWrong) {
  EXPECT_EQ(errorOf("identity: {id: 'spiffe://TD/x'}"),
            "identity.id: \"spiffe://TD/x\" is not a SPIFFE ID (spiffe://trust-domain/path)");
  EXPECT_THAT(errorOf("identity: {id: 'spiffe://td/x'}"),
              HasSubstr("identity.id: \"spiffe://td/x\" has no server name"));
  EXPECT_EQ(errorOf("identity: {trust_anchors: /ca.crt}"),
            "identity.id: is required when any identity key is set");
  EXPECT_EQ(errorOf("identity: {id: 'spiffe://td/ns/a/sa/b', cert_file: /c, key_file: /k}"),
            "identity.trust_anchors: is required when identity.id is set");
  const std::string base = "identity: {id: 'spiffe://td/ns/a/sa/b', trust_anchors: /ca, ";
  EXPECT_THAT(errorOf(base + "}"), HasSubstr("set cert_file and key_file, or service"));
  EXPECT_EQ(errorOf(base + "cert_file: /c}"), "identity: cert_file and key_file go together");
  EXPECT_EQ(errorOf(base + "token_file: /t}"), "identity: service and token_file go together");
  EXPECT_THAT(errorOf(base + "cert_file: /c, key_file: /k, token_file: /t}"),
              HasSubstr("not both"));
  EXPECT_THAT(errorOf(base + "service: 'identity:80x', token_file: /t}"),
              HasSubstr("identity.service: \"identity:80x\" is not an address or DNS name"));
  EXPECT_EQ(errorOf("discovery: {file: ''}"), "discovery.file: \"\" must not be empty");
}

TEST(ConfigLoaderTest, UnreadableFileIsAnError) {
  try {
    loadConfig(std::string("/nonexistent/wasmesh.yaml"), {});
    FAIL() << "expected an error";
  } catch (const ConfigError& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("--config: /nonexistent/wasmesh.yaml: cannot read: No such file"));
  }
}

TEST(ConfigLoaderTest, ExampleFileInDeployLoads) {
  const auto config = loadConfig(std::string(WASMESH_EXAMPLE_CONFIG), {});
  EXPECT_FALSE(config.routes.empty());
  EXPECT_EQ(formatSocketAddress(config.adminListen), "0.0.0.0:4191");
}

}  // namespace
}  // namespace wasmesh::proxy
