#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <boost/json.hpp>

#include "InjectTestSupport.h"
#include "wasmesh/deploy/AdmissionHandler.h"
#include "wasmesh/deploy/AdmissionReview.h"
#include "wasmesh/deploy/JsonPatch.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

std::string base64Decode(std::string_view text) {
  std::string out(text.size(), '\0');
  const int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(std::max(length, 0)));
  while (!out.empty() && out.back() == '\0' && text.ends_with('='))
    out.pop_back();  // EVP_DecodeBlock counts padding as zero bytes
  return out;
}

json::object podReview(std::string_view annotations = R"({"wasmesh.io/inject": "enabled"})") {
  return json::parse(R"({
    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
    "request": {
      "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
      "kind": {"group": "", "version": "v1", "kind": "Pod"},
      "resource": {"group": "", "version": "v1", "resource": "pods"},
      "namespace": "shop", "operation": "CREATE", "dryRun": false,
      "object": {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
          "generateName": "web-5d8f6c7b9-", "namespace": "shop",
          "labels": {"app": "web", "pod-template-hash": "5d8f6c7b9"},
          "annotations": )" +
                     std::string(annotations) + R"(,
          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                               "name": "web-5d8f6c7b9", "uid": "x", "controller": true}]
        },
        "spec": {"serviceAccountName": "web",
                 "containers": [{"name": "web", "image": "web:1"}]}
      }
    }
  })")
      .get_object();
}

struct Answered {
  AdmissionHandler::Reply reply;
  json::object response;
};

Answered answer(const json::object& review, Checked<json::object> ns = json::object{}) {
  const Injector injector(test::testOptions());
  const AdmissionHandler handler(injector);
  auto request = AdmissionReview::parse(json::serialize(review));
  EXPECT_TRUE(request) << (request ? "" : request.error());
  if (!request)
    return {};
  auto reply = handler.answer(*request, &ns);
  auto body = json::parse(reply.body).get_object();
  EXPECT_EQ(body.at("kind"), "AdmissionReview");
  EXPECT_EQ(body.at("apiVersion"), "admission.k8s.io/v1");
  return {reply, body.at("response").get_object()};
}

TEST(AdmissionTest, APodIsInjectedWithAPatchThatGivesWhatInjectGives) {
  const auto review = podReview();
  const auto answered = answer(review);
  EXPECT_EQ(answered.reply.httpStatus, 200U);
  EXPECT_STREQ(answered.reply.result, "injected");
  EXPECT_EQ(answered.response.at("uid"), "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_EQ(answered.response.at("allowed"), true);
  EXPECT_EQ(answered.response.at("patchType"), "JSONPatch");
  const auto patch = json::parse(base64Decode(answered.response.at("patch").get_string()));
  json::value pod = review.at("request").at("object");
  ASSERT_TRUE(JsonPatch::apply(pod, patch.get_array()));

  json::value expected = review.at("request").at("object");
  const Injector injector(test::testOptions());
  PodTemplate ref{&expected.at("metadata").get_object(),
                  &expected.at("spec").get_object(),
                  "Pod shop/web-5d8f6c7b9-*",
                  "shop",
                  "deployment",
                  "web"};
  ASSERT_TRUE(injector.inject(ref, nullptr, "Namespace shop"));
  EXPECT_EQ(pod, expected);
  EXPECT_EQ(pod.at("metadata").at("labels").at("wasmesh.io/proxy-deployment"), "web")
      << "the Deployment's name, from the ReplicaSet and pod-template-hash";
}

TEST(AdmissionTest, TheNamespacesAnnotationsCount) {
  auto review = podReview("{}");
  EXPECT_STREQ(answer(review).reply.result, "skipped");
  const auto answered =
      answer(review, json::parse(R"({"linkerd.io/inject": "enabled"})").get_object());
  EXPECT_STREQ(answered.reply.result, "injected");
}

TEST(AdmissionTest, ABadAnnotationDeniesThePodNamingIt) {
  const auto answered =
      answer(podReview(R"({"wasmesh.io/inject": "enabled", "config.wasmesh.io/proxy-uid": "0"})"));
  EXPECT_STREQ(answered.reply.result, "denied");
  EXPECT_EQ(answered.response.at("allowed"), false);
  EXPECT_EQ(answered.response.at("status").at("code"), 422);
  EXPECT_EQ(answered.response.at("status").at("message"),
            "Pod shop/web-5d8f6c7b9-*: annotation config.wasmesh.io/proxy-uid: \"0\" is not a "
            "user id in 1..2147483647 (the proxy never runs as root)");
}

TEST(AdmissionTest, ANamespaceThatCannotBeReadIsAnErrorForTheFailurePolicy) {
  const auto answered =
      answer(podReview("{}"), Checked<json::object>(boost::system::in_place_error, "HTTP 403"));
  EXPECT_EQ(answered.reply.httpStatus, 500U);
  EXPECT_STREQ(answered.reply.result, "error");
  EXPECT_THAT(std::string(answered.response.at("status").at("message").get_string()),
              HasSubstr("cannot read Namespace shop: HTTP 403"));
}

TEST(AdmissionTest, OtherKindsOperationsAndInjectedPodsAreAllowedUnchanged) {
  auto review = podReview();
  review["request"].get_object()["kind"] =
      json::parse(R"({"group":"apps","version":"v1","kind":"Deployment"})");
  auto request = AdmissionReview::parse(json::serialize(review));
  ASSERT_TRUE(request);
  EXPECT_FALSE(AdmissionHandler::needsNamespace(*request));
  EXPECT_STREQ(answer(review).reply.result, "skipped");
  EXPECT_FALSE(answer(review).response.contains("patch"));

  review = podReview();
  review["request"].get_object()["operation"] = "UPDATE";
  EXPECT_STREQ(answer(review).reply.result, "skipped");

  review = podReview(R"({"wasmesh.io/inject": "enabled", "wasmesh.io/proxy-version": "0.1.0"})");
  request = AdmissionReview::parse(json::serialize(review));
  ASSERT_TRUE(request);
  EXPECT_FALSE(AdmissionHandler::needsNamespace(*request));
  EXPECT_STREQ(answer(review).reply.result, "skipped");
}

TEST(AdmissionTest, BodiesThatAreNotAdmissionReviewsAreRefusedSayingWhy) {
  const auto full = json::serialize(podReview());
  const std::pair<std::string, std::string> cases[] = {
      {full.substr(0, full.size() / 2), "not JSON: line 1"},
      {"", "not JSON"},
      {R"([1, 2])", "the body is not a JSON object"},
      {R"({"apiVersion": "v1", "kind": "Pod", "metadata": {}})", "kind is \"Pod\""},
      {R"({"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview"})",
       "apiVersion \"admission.k8s.io/v1beta1\" is not admission.k8s.io/v1"},
      {R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"})", "has no request"},
      {R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}})",
       "has no uid"},
      {R"({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
           "request": {"uid": "u", "object": "x"}})",
       "has no object"},
      {std::string(AdmissionReview::kMaxBodyBytes + 1, ' '), "larger than 4 MiB"},
  };
  for (const auto& [body, why] : cases) {
    const auto parsed = AdmissionReview::parse(body);
    ASSERT_FALSE(parsed) << body.substr(0, 100);
    EXPECT_THAT(parsed.error(), HasSubstr(why));
    const auto reply = AdmissionHandler::badRequest(parsed.error());
    EXPECT_EQ(reply.httpStatus, 400U);
    const auto response = json::parse(reply.body).at("response");
    EXPECT_EQ(response.at("allowed"), false);
    EXPECT_EQ(response.at("status").at("message"), json::value(parsed.error()));
  }
}

TEST(JsonPatchTest, DiffThenApplyGivesTheNewDocument) {
  const auto before = json::parse(R"({"spec": {"containers": [1], "volumes": [2]},
                                      "status": {}})")
                          .get_object();
  const auto after = json::parse(R"({"metadata": {"labels": {"a": "b"}, "annotations": {}},
                                     "spec": {"containers": [1, 3], "initContainers": [4]},
                                     "status": {}})")
                         .get_object();
  const auto patch = JsonPatch::diff(before, after,
                                     {"/metadata/labels", "/metadata/annotations",
                                      "/spec/initContainers", "/spec/containers", "/spec/volumes"});
  EXPECT_EQ(patch.size(), 4U) << json::serialize(patch) << ": /metadata is added once, whole";
  json::value document = before;
  ASSERT_TRUE(JsonPatch::apply(document, patch));
  EXPECT_EQ(document, after);
  EXPECT_TRUE(JsonPatch::diff(after, after, {"/spec/containers"}).empty());
  json::value other = json::object{};
  EXPECT_FALSE(
      JsonPatch::apply(other, json::parse(R"([{"op": "remove", "path": "/x"}])").get_array()));
}

}  // namespace
}  // namespace wasmesh::deploy
