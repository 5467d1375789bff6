#include "wasmesh/deploy/AdmissionReview.h"

#include <boost/json.hpp>

#include "wasmesh/deploy/Base64.h"
#include "wasmesh/deploy/YamlJson.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

std::string text(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

const char* reasonOf(unsigned code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 413:
      return "RequestEntityTooLarge";
    case 422:
      return "Invalid";
    default:
      return "InternalError";
  }
}

json::object review(json::object response) {
  return {{"apiVersion", "admission.k8s.io/v1"},
          {"kind", "AdmissionReview"},
          {"response", std::move(response)}};
}

}  // namespace

Checked<AdmissionRequest> AdmissionReview::parse(std::string_view body) {
  if (body.size() > kMaxBodyBytes)
    return {boost::system::in_place_error,
            "the body is larger than " + std::to_string(kMaxBodyBytes >> 20U) + " MiB"};
  auto parsed = YamlJson::readJson(body);
  if (!parsed)
    return {boost::system::in_place_error, parsed.error()};
  if (!parsed->is_object())
    return {boost::system::in_place_error, "not an AdmissionReview: the body is not a JSON object"};
  auto& root = parsed->get_object();
  const auto kind = text(root, "kind");
  if (kind != "AdmissionReview")
    return {boost::system::in_place_error, "not an AdmissionReview: kind is \"" + kind + "\""};
  const auto apiVersion = text(root, "apiVersion");
  if (apiVersion != "admission.k8s.io/v1")
    return {boost::system::in_place_error,
            "apiVersion \"" + apiVersion + "\" is not admission.k8s.io/v1 (the only one served)"};
  auto* request = root.if_contains("request");
  if (request == nullptr || !request->is_object())
    return {boost::system::in_place_error, "the AdmissionReview has no request"};
  auto& fields = request->get_object();
  AdmissionRequest out;
  out.uid = text(fields, "uid");
  if (out.uid.empty())
    return {boost::system::in_place_error, "the AdmissionReview request has no uid"};
  if (const auto* requestKind = fields.if_contains("kind");
      requestKind != nullptr && requestKind->is_object()) {
    out.kind = text(requestKind->get_object(), "kind");
    out.group = text(requestKind->get_object(), "group");
  }
  out.operation = text(fields, "operation");
  out.ns = text(fields, "namespace");
  if (const auto* dryRun = fields.if_contains("dryRun"); dryRun != nullptr && dryRun->is_bool())
    out.dryRun = dryRun->get_bool();
  auto* object = fields.if_contains("object");
  if (object == nullptr || !object->is_object())
    return {boost::system::in_place_error, "the AdmissionReview request has no object"};
  out.object = std::move(object->get_object());
  return out;
}

std::string AdmissionReview::allow(std::string_view uid, const json::array& patch,
                                   const std::vector<std::string>& warnings) {
  json::object response{{"uid", uid}, {"allowed", true}};
  if (!patch.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = base64Encode(json::serialize(patch));
  }
  if (!warnings.empty()) {
    json::array list;
    for (const auto& warning : warnings)
      list.emplace_back(warning);
    response["warnings"] = std::move(list);
  }
  return json::serialize(review(std::move(response)));
}

std::string AdmissionReview::deny(std::string_view uid, unsigned code, std::string_view message) {
  json::object response{
      {"uid", uid},
      {"allowed", false},
      {"status", {{"code", code}, {"message", message}, {"reason", reasonOf(code)}}}};
  return json::serialize(review(std::move(response)));
}

}  // namespace wasmesh::deploy
