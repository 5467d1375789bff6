#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "InjectTestSupport.h"
#include "wasmesh/deploy/ProxySettings.h"
#include "wasmesh/deploy/ResourceQuantity.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const json::object kPodSpec = json::parse(R"({
  "containers": [{"name": "app", "ports": [{"name": "http", "containerPort": 8080},
                                           {"name": "grpc", "containerPort": 9090}]}],
  "initContainers": [{"name": "sidecar", "ports": [{"name": "metrics", "containerPort": 9100}]}]
})")
                                  .get_object();

Checked<ProxySettings> read(const json::object& pod, const json::object* ns = nullptr) {
  const AnnotationReader reader(&pod, ns, "Deployment shop/web", "Namespace shop");
  return ProxySettings::read(reader, kPodSpec, test::testOptions());
}

Checked<ProxySettings> readOne(std::string_view key, std::string_view value) {
  return read(json::object{{key, value}});
}

struct Invalid {
  const char* annotation;
  const char* value;
  const char* why;
};

// Every annotation refuses a bad value, naming the annotation, the object and the value.
TEST(ProxySettingsTest, BadValuesAreRefusedNamingAnnotationObjectAndValue) {
  const Invalid cases[] = {
      {"opaque-ports", "80,x y", "is not a list of ports"},
      {"opaque-ports", "nope", "names the port \"nope\", which no container of the pod declares"},
      {"opaque-ports", "70000", "is not a list of ports"},
      {"skip-inbound-ports", "9-3", "is not a list of ports"},
      {"skip-outbound-ports", "http", "names a port (http); only numbers and ranges"},
      {"skip-subnets", "10.0.0.0/33", "is not a list of CIDRs"},
      {"default-inbound-policy", "allow", "is not one of all-unauthenticated, all-authenticated"},
      {"proxy-log-level", "warn,linkerd=info",
       "is not one of trace, debug, info, warn, error, off"},
      {"proxy-log-format", "xml", "is not one of plain, json"},
      {"shutdown-grace-period", "10", "is not a duration"},
      {"proxy-inbound-connect-timeout", "1.5s", "is not a duration"},
      {"proxy-outbound-connect-timeout", "soon", "is not a duration"},
      {"proxy-disable-inbound-protocol-detect-timeout", "yes", "is not true or false"},
      {"proxy-disable-outbound-protocol-detect-timeout", "1", "is not true or false"},
      {"proxy-cpu-request", "lots", "is not a Kubernetes quantity"},
      {"proxy-cpu-limit", "-1", "is not a Kubernetes quantity"},
      {"proxy-memory-request", "1GB", "is not a Kubernetes quantity"},
      {"proxy-memory-limit", "", "is not a Kubernetes quantity"},
      {"proxy-uid", "0", "is not a user id in 1..2147483647"},
      {"proxy-uid", "root", "is not a user id"},
      {"proxy-image", "Registry/UPPER", "is not an image name"},
      {"proxy-image", "repo:tag", "is not an image name"},
      {"proxy-version", "-bad", "is not an image tag"},
      {"proxy-enable-native-sidecar", "enabled", "is not true or false"},
      {"proxy-await", "true", "is not one of enabled, disabled"},
  };
  for (const auto& c : cases) {
    for (const std::string prefix : {"config.wasmesh.io/", "config.linkerd.io/"}) {
      const auto key = prefix + c.annotation;
      const auto result = readOne(key, c.value);
      ASSERT_FALSE(result) << key << "=" << c.value;
      EXPECT_EQ(result.error().rfind(
                    "Deployment shop/web: annotation " + key + ": \"" + c.value + "\" ", 0),
                0U)
          << result.error();
      EXPECT_THAT(result.error(), HasSubstr(c.why));
    }
  }
}

TEST(ProxySettingsTest, GoodValuesAreRead) {
  const auto settings = read(json::parse(R"({
    "config.wasmesh.io/opaque-ports": "http, grpc,metrics, 25, 8000-8002",
    "config.wasmesh.io/skip-inbound-ports": "http",
    "config.wasmesh.io/skip-outbound-ports": " 3306 , 27017",
    "config.wasmesh.io/skip-subnets": "10.1.2.3/8,fd00::/8",
    "config.wasmesh.io/default-inbound-policy": "cluster-authenticated",
    "config.wasmesh.io/proxy-disable-inbound-protocol-detect-timeout": "true",
    "config.wasmesh.io/proxy-cpu-request": "500m",
    "config.wasmesh.io/proxy-cpu-limit": "2100m",
    "config.wasmesh.io/proxy-memory-request": "64Mi",
    "config.wasmesh.io/proxy-memory-limit": "0.5Gi",
    "config.wasmesh.io/proxy-uid": "3000",
    "config.wasmesh.io/proxy-await": "disabled"
  })")
                                 .get_object());
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->inboundOpaquePorts, "25,8000-8002,8080,9090,9100");
  EXPECT_EQ(settings->skipInboundPorts, "8080");
  EXPECT_EQ(settings->skipOutboundPorts, "3306,27017");
  EXPECT_EQ(settings->skipSubnets, "10.1.2.3/8,fd00::/8") << "init clears host bits itself";
  EXPECT_EQ(settings->defaultInboundPolicy, "cluster-authenticated");
  EXPECT_TRUE(settings->disableInboundDetectTimeout);
  EXPECT_FALSE(settings->disableOutboundDetectTimeout);
  EXPECT_EQ(settings->workers, 3U) << "2.1 cores round up";
  EXPECT_EQ(settings->proxyUid, 3000);
  EXPECT_FALSE(settings->await);
  EXPECT_TRUE(settings->nativeSidecar);
}

TEST(ProxySettingsTest, ARequestAboveItsLimitIsRefused) {
  const auto result = read(json::parse(R"({"config.wasmesh.io/proxy-memory-request": "1Gi",
                                           "config.linkerd.io/proxy-memory-limit": "512Mi"})")
                               .get_object());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(),
            "Deployment shop/web: annotation config.wasmesh.io/proxy-memory-request: \"1Gi\" is "
            "more than the limit config.linkerd.io/proxy-memory-limit: \"512Mi\"");
}

TEST(ProxySettingsTest, WasmeshNamesWinOverLinkerdOnesAndPodsOverNamespaces) {
  const auto ns = json::parse(R"({"config.wasmesh.io/proxy-log-level": "trace",
                                  "config.linkerd.io/proxy-log-format": "json",
                                  "config.wasmesh.io/proxy-uid": "4000"})")
                      .get_object();
  const auto settings = read(json::parse(R"({"config.linkerd.io/proxy-log-level": "warn",
                                             "config.wasmesh.io/proxy-log-level": "error",
                                             "config.linkerd.io/proxy-uid": "5000"})")
                                 .get_object(),
                             &ns);
  ASSERT_TRUE(settings) << settings.error();
  EXPECT_EQ(settings->logLevel, "error");
  EXPECT_EQ(settings->logFormat, "json") << "inherited from the namespace";
  EXPECT_EQ(settings->proxyUid, 5000) << "the pod's Linkerd name beats the namespace's wasmesh one";
}

TEST(ProxySettingsTest, ANamespaceValueIsRefusedNamingTheNamespace) {
  const auto ns = json::parse(R"({"config.linkerd.io/proxy-log-level": "loud"})").get_object();
  const auto result = read(json::object{}, &ns);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error(),
            "Deployment shop/web: annotation config.linkerd.io/proxy-log-level (from Namespace "
            "shop): \"loud\" is not one of trace, debug, info, warn, error, off");
}

TEST(ProxySettingsTest, UnknownWasmeshAnnotationsAreRefusedUnknownLinkerdOnesWarned) {
  const auto typo = readOne("config.wasmesh.io/opaque-port", "80");
  ASSERT_FALSE(typo);
  EXPECT_THAT(typo.error(), HasSubstr("annotation config.wasmesh.io/opaque-port: unknown"));
  const auto linkerd = readOne("config.linkerd.io/trace-collector", "collector:55678");
  ASSERT_TRUE(linkerd) << linkerd.error();
  EXPECT_THAT(linkerd->warnings,
              ::testing::ElementsAre("Deployment shop/web: annotation "
                                     "config.linkerd.io/trace-collector: not supported by "
                                     "wasmesh, ignored"));
}

TEST(ProxySettingsTest, AnnotationValuesThatAreNotStringsAreNamedAsWritten) {
  const auto result = read(json::object{{"config.wasmesh.io/proxy-uid", 0}});
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error(), HasSubstr("proxy-uid: \"0\" is not a user id"));
}

TEST(ResourceQuantityTest, ReadsKubernetesQuantities) {
  EXPECT_DOUBLE_EQ(static_cast<double>(ResourceQuantity::parse("100m")->value()), 0.1);
  EXPECT_DOUBLE_EQ(static_cast<double>(ResourceQuantity::parse("64Mi")->value()), 64.0 * 1048576);
  EXPECT_DOUBLE_EQ(static_cast<double>(ResourceQuantity::parse("1.5")->value()), 1.5);
  EXPECT_DOUBLE_EQ(static_cast<double>(ResourceQuantity::parse("2e3")->value()), 2000);
  EXPECT_DOUBLE_EQ(static_cast<double>(ResourceQuantity::parse("1G")->value()), 1e9);
  EXPECT_EQ(ResourceQuantity::parse("250m")->wholeCores(), 1U);
  EXPECT_EQ(ResourceQuantity::parse("2")->wholeCores(), 2U);
  for (const auto* bad : {"", "m", "1.2.3", "-1", "1KB", "1 Gi", "1e", "1e1234", "Mi1", ".", "1ki"})
    EXPECT_FALSE(ResourceQuantity::parse(bad)) << bad;
}

}  // namespace
}  // namespace wasmesh::deploy
