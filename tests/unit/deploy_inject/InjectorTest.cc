#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>

#include "InjectTestSupport.h"
#include "wasmesh/deploy/Injector.h"
#include "wasmesh/deploy/ManifestInjector.h"
#include "wasmesh/deploy/YamlJson.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;
using test::findContainer;
using test::findEnv;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct GoldenCase {
  const char* name;
  const char* extension;
  bool manual;
  bool noInit;
};

const GoldenCase kGoldenCases[] = {
    {"deployment", "yaml", false, false},   {"linkerd-aliases", "yaml", false, false},
    {"kinds", "yaml", false, false},        {"regular-container", "yaml", false, false},
    {"namespace", "yaml", false, false},    {"list", "json", false, false},
    {"manual-no-init", "yaml", true, true},
};

std::string goldenPath(const GoldenCase& c, const char* which) {
  return std::string(WASMESH_GOLDEN_DIR) + "/" + c.name + "." + which + "." + c.extension;
}

InjectorOptions optionsFor(const GoldenCase& c) {
  auto options = test::testOptions();
  options.manual = c.manual;
  options.noInit = c.noInit;
  return options;
}

class GoldenTest : public ::testing::TestWithParam<GoldenCase> {};

// The injected manifests, byte for byte. WASMESH_UPDATE_GOLDEN=1 rewrites the .out files
// (review the diff); tests/k8s-schema validates them against the Kubernetes schema.
TEST_P(GoldenTest, InjectsAsTheGoldenFileSays) {
  const auto& c = GetParam();
  YamlJson::Format format{};
  auto documents = YamlJson::read(test::readFile(goldenPath(c, "in")), format);
  ASSERT_TRUE(documents) << documents.error();
  const Injector injector(optionsFor(c));
  const auto report = ManifestInjector(injector).inject(*documents);
  ASSERT_TRUE(report) << report.error();
  const auto text = YamlJson::write(*documents, format);
  if (std::getenv("WASMESH_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(goldenPath(c, "out"), std::ios::binary) << text;
  }
  EXPECT_EQ(text, test::readFile(goldenPath(c, "out")));
}

TEST_P(GoldenTest, ReinjectingChangesNothing) {
  const auto& c = GetParam();
  YamlJson::Format format{};
  auto documents = YamlJson::read(test::readFile(goldenPath(c, "out")), format);
  ASSERT_TRUE(documents) << documents.error();
  const auto before = *documents;
  const Injector injector(optionsFor(c));
  ASSERT_TRUE(ManifestInjector(injector).inject(*documents));
  EXPECT_EQ(*documents, before);
}

TEST_P(GoldenTest, UninjectRemovesExactlyWhatInjectAdded) {
  const auto& c = GetParam();
  YamlJson::Format format{};
  auto original = YamlJson::read(test::readFile(goldenPath(c, "in")), format);
  auto documents = YamlJson::read(test::readFile(goldenPath(c, "out")), format);
  ASSERT_TRUE(original && documents);
  const Injector injector(optionsFor(c));
  ASSERT_TRUE(ManifestInjector(injector).uninject(*documents));
  EXPECT_EQ(*documents, *original);
}

INSTANTIATE_TEST_SUITE_P(Manifests, GoldenTest, ::testing::ValuesIn(kGoldenCases),
                         [](const auto& testInfo) {
                           std::string name = testInfo.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

std::vector<json::value> injectText(const std::string& yaml, InjectorOptions options,
                                    ManifestInjector::Report* report = nullptr) {
  auto documents = test::readManifests(yaml);
  const Injector injector(std::move(options));
  auto result = ManifestInjector(injector).inject(documents);
  EXPECT_TRUE(result) << (result ? "" : result.error());
  if (result && report != nullptr)
    *report = *result;
  return documents;
}

std::string refusalOf(const std::string& yaml, InjectorOptions options = test::testOptions()) {
  auto documents = test::readManifests(yaml);
  const auto before = documents;
  const Injector injector(std::move(options));
  auto result = ManifestInjector(injector).inject(documents);
  EXPECT_FALSE(result) << "accepted:\n" << yaml;
  EXPECT_EQ(documents, before) << "a refusal changes nothing";
  return result ? "" : result.error();
}

const std::string kPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  namespace: ns
  annotations:
    wasmesh.io/inject: enabled
spec:
  containers:
    - name: app
      image: app
)";

TEST(InjectorTest, TheNativeSidecarComesAfterTheInitRulesAndBeforeTheAppsInitContainers) {
  const auto documents = injectText(R"(apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {wasmesh.io/inject: enabled}}
spec:
  initContainers: [{name: setup, image: setup}]
  containers: [{name: app, image: app}]
)",
                                    test::testOptions());
  const auto& spec = documents.front().at("spec").get_object();
  std::vector<std::string> names;
  for (const auto& c : spec.at("initContainers").get_array())
    names.emplace_back(c.at("name").get_string());
  EXPECT_THAT(names, ElementsAre("wasmesh-init", "wasmesh-proxy", "setup"));
  const auto* proxy = findContainer(spec, "initContainers", "wasmesh-proxy");
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(proxy->at("restartPolicy"), "Always");
  EXPECT_EQ(proxy->at("startupProbe").at("httpGet").at("path"), "/ready");
  EXPECT_EQ(spec.at("containers").get_array().size(), 1U);
}

TEST(InjectorTest, TheProxyRunsAsItsOwnUserWithNothingElse) {
  const auto documents = injectText(kPod, test::testOptions());
  const auto& spec = documents.front().at("spec").get_object();
  const auto& security =
      findContainer(spec, "initContainers", "wasmesh-proxy")->at("securityContext");
  EXPECT_EQ(security.at("runAsUser"), 2102);
  EXPECT_EQ(security.at("runAsNonRoot"), true);
  EXPECT_EQ(security.at("readOnlyRootFilesystem"), true);
  EXPECT_EQ(security.at("allowPrivilegeEscalation"), false);
  EXPECT_EQ(security.at("capabilities"), json::parse(R"({"drop": ["ALL"]})"));
  const auto& init = findContainer(spec, "initContainers", "wasmesh-init")->at("securityContext");
  EXPECT_EQ(init.at("capabilities"),
            json::parse(R"({"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]})"));
  EXPECT_EQ(init.at("runAsUser"), 0);
}

TEST(InjectorTest, TheProxyIsConfiguredThroughItsEnvironment) {
  auto options = test::testOptions();
  options.trustDomain = "example.org";
  options.identityService = "10.0.0.1:8080";
  const auto documents = injectText(kPod, options);
  const auto& proxy =
      *findContainer(documents.front().at("spec").get_object(), "initContainers", "wasmesh-proxy");
  EXPECT_EQ(*findEnv(proxy, "WASMESH_IDENTITY_ID"),
            "spiffe://example.org/ns/$(POD_NAMESPACE)/sa/$(SERVICE_ACCOUNT)");
  EXPECT_EQ(*findEnv(proxy, "WASMESH_IDENTITY_TRUST_ANCHORS"), test::kTestAnchors);
  EXPECT_EQ(*findEnv(proxy, "WASMESH_IDENTITY_SERVICE"), "10.0.0.1:8080");
  EXPECT_EQ(*findEnv(proxy, "WASMESH_IDENTITY_TOKEN_FILE"),
            "/var/run/wasmesh/tokens/identity-token");
  EXPECT_EQ(*findEnv(proxy, "WASMESH_ADMIN_LISTEN"), "0.0.0.0:4191");
  EXPECT_EQ(*findEnv(proxy, "WASMESH_DISCOVERY_FILE"), "/var/run/wasmesh/discovery/discovery.yaml");
  EXPECT_EQ(*findEnv(proxy, "WASMESH_PROXY_WORKERS"), "1");
  EXPECT_EQ(findEnv(proxy, "WASMESH_INBOUND_DEFAULT_POLICY"), nullptr)
      << "only written when annotated";
}

TEST(InjectorTest, ThePodsLeftAloneSayWhy) {
  ManifestInjector::Report report;
  injectText(test::readFile(std::string(WASMESH_GOLDEN_DIR) + "/kinds.in.yaml"),
             test::testOptions(), &report);
  EXPECT_THAT(report.lines, ::testing::IsSupersetOf(
                                {"Deployment kube-system/coredns: kube-system is never injected",
                                 "DaemonSet ops/node-agent: uses hostNetwork: its rules and "
                                 "proxy would take over the node's traffic",
                                 "Deployment ops/opted-out: wasmesh.io/inject is disabled",
                                 "CronJob ops/nightly: injected", "Pod solo: injected"}));
}

TEST(InjectorTest, ManualInjectsUnannotatedPodsButNotDisabledOnes) {
  const std::string unannotated = R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: app, image: app}]}
)";
  ManifestInjector::Report report;
  auto documents = injectText(unannotated, test::testOptions(), &report);
  EXPECT_THAT(report.lines.front(), HasSubstr("not annotated wasmesh.io/inject: enabled"));
  EXPECT_FALSE(Injector::isInjected(documents.front().at("metadata").get_object()));
  auto manual = test::testOptions();
  manual.manual = true;
  documents = injectText(unannotated, manual);
  EXPECT_TRUE(Injector::isInjected(documents.front().at("metadata").get_object()));
  documents = injectText(R"(apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {linkerd.io/inject: disabled}}
spec: {containers: [{name: app, image: app}]}
)",
                         manual);
  EXPECT_FALSE(Injector::isInjected(documents.front().at("metadata").get_object()));
}

TEST(InjectorTest, NamesTheTemplateAlreadyUsesAreRefused) {
  EXPECT_THAT(refusalOf(R"(apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns, annotations: {wasmesh.io/inject: enabled}}
spec: {containers: [{name: wasmesh-proxy, image: mine}]}
)"),
              "Pod ns/p: a container is already named \"wasmesh-proxy\" (not one wasmesh inject "
              "added); rename it");
  EXPECT_THAT(refusalOf(R"(apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {wasmesh.io/inject: enabled}}
spec:
  containers: [{name: app, image: app}]
  volumes: [{name: wasmesh-discovery, emptyDir: {}}]
)"),
              HasSubstr("a volume is already named \"wasmesh-discovery\""));
  EXPECT_THAT(refusalOf(R"(apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {wasmesh.io/inject: enabled}}
spec: {containers: [{name: app, image: app, ports: [{containerPort: 4191}]}]}
)"),
              HasSubstr("container \"app\" uses port 4191, which the proxy listens on"));
  EXPECT_THAT(refusalOf(R"(apiVersion: v1
kind: Pod
metadata: {name: p, annotations: {wasmesh.io/inject: enabled}}
spec: {containers: [{name: app, image: app, ports: [{name: wasmesh-admin, containerPort: 9}]}]}
)"),
              HasSubstr("has a port named \"wasmesh-admin\""));
}

TEST(InjectorTest, ManifestsThatAreNotObjectsAreRefusedByDocument) {
  EXPECT_EQ(refusalOf("- a\n- b\n"),
            "document 1: not a Kubernetes object (a mapping with apiVersion and kind)");
  EXPECT_EQ(refusalOf("apiVersion: v1\nmetadata: {name: x}\n"), "document 1: has no kind");
  EXPECT_EQ(refusalOf("kind: Pod\n"), "document 1: Pod has no apiVersion");
  EXPECT_EQ(refusalOf(kPod + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n"
                             "spec: {replicas: 1}\n"),
            "Deployment d: spec.template is missing or not a mapping");
  EXPECT_EQ(refusalOf("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    metadata: {}\n"),
            "document 1, item 0: has no kind");
  EXPECT_THAT(refusalOf("apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: "
                        "{wasmesh.io/inject: enabled}}\nspec: {containers: {name: app}}\n"),
              HasSubstr("spec.containers is not a list"));
}

TEST(InjectorTest, KindsWithoutPodTemplatesPassThroughUnchanged) {
  ManifestInjector::Report report;
  const std::string text =
      "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: x}\nspec: "
      "{template: 3}\n";
  const auto documents = injectText(text, test::testOptions(), &report);
  EXPECT_EQ(documents, test::readManifests(text));
  EXPECT_THAT(report.lines, ElementsAre("Widget x/w: no pod template, unchanged"));
}

TEST(InjectorTest, WithoutTrustAnchorsNothingIsInjected) {
  auto options = test::testOptions();
  options.trustAnchorsPem.clear();
  EXPECT_THAT(refusalOf(kPod, options), HasSubstr("no trust anchors to inject (--trust-anchors"));
}

TEST(InjectorTest, ChangedAnnotationsReplaceTheOldSidecar) {
  auto documents = injectText(kPod, test::testOptions());
  auto& annotations = documents.front().at("metadata").at("annotations").get_object();
  annotations["config.wasmesh.io/proxy-log-level"] = "trace";
  annotations["config.wasmesh.io/proxy-enable-native-sidecar"] = "false";
  const Injector injector(test::testOptions());
  ASSERT_TRUE(ManifestInjector(injector).inject(documents));
  const auto& spec = documents.front().at("spec").get_object();
  EXPECT_EQ(findContainer(spec, "initContainers", "wasmesh-proxy"), nullptr);
  const auto* proxy = findContainer(spec, "containers", "wasmesh-proxy");
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(*findEnv(*proxy, "WASMESH_LOG_LEVEL"), "trace");
  EXPECT_EQ(spec.at("containers").get_array().size(), 2U);
  EXPECT_EQ(spec.at("volumes").get_array().size(), 4U);
}

}  // namespace
}  // namespace wasmesh::deploy
