#include "wasmesh/deploy/AdmissionHandler.h"

#include <boost/json.hpp>

#include "wasmesh/deploy/JsonPatch.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

std::string text(const json::object* object, std::string_view key) {
  if (object == nullptr)
    return "";
  const auto* value = object->if_contains(key);
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

const json::object* objectAt(const json::object& parent, std::string_view key) {
  const auto* value = parent.if_contains(key);
  return value != nullptr && value->is_object() ? &value->get_object() : nullptr;
}

// The workload a pod belongs to, from its controller reference. A Deployment's pods are
// owned by a ReplicaSet named <deployment>-<pod-template-hash>; the hash is also the
// pod's label, so the Deployment's name follows without asking the API server.
std::pair<std::string, std::string> ownerOf(const json::object& pod) {
  const auto* metadata = objectAt(pod, "metadata");
  if (metadata == nullptr)
    return {};
  const auto* owners = metadata->if_contains("ownerReferences");
  if (owners == nullptr || !owners->is_array())
    return {};
  for (const auto& owner : owners->get_array()) {
    if (!owner.is_object())
      continue;
    const auto& reference = owner.get_object();
    const auto* controller = reference.if_contains("controller");
    if (controller == nullptr || !controller->is_bool() || !controller->get_bool())
      continue;
    auto kind = text(&reference, "kind");
    auto name = text(&reference, "name");
    const auto hash = text(objectAt(*metadata, "labels"), "pod-template-hash");
    if (kind == "ReplicaSet" && !hash.empty() && name.size() > hash.size() + 1 &&
        name.ends_with("-" + hash)) {
      return {"deployment", name.substr(0, name.size() - hash.size() - 1)};
    }
    for (auto& c : kind)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return {kind, name};
  }
  return {};
}

}  // namespace

bool AdmissionHandler::needsNamespace(const AdmissionRequest& request) {
  if (request.kind != "Pod" || !request.group.empty() || request.operation != "CREATE")
    return false;
  const auto* metadata = objectAt(request.object, "metadata");
  return metadata == nullptr || !Injector::isInjected(*metadata);
}

AdmissionHandler::Reply AdmissionHandler::badRequest(std::string_view why, unsigned httpStatus) {
  return {httpStatus, AdmissionReview::deny("", httpStatus, why), "bad_request",
          "bad request: " + std::string(why)};
}

AdmissionHandler::Reply AdmissionHandler::answer(
    AdmissionRequest& request, const Checked<json::object>* namespaceAnnotations) const {
  const auto& uid = request.uid;
  if (request.kind != "Pod" || !request.group.empty())
    return {200, AdmissionReview::allow(uid, {}, {}), "skipped",
            "wasmesh injects pods only; " + request.kind + " allowed unchanged"};
  if (request.operation != "CREATE")
    return {200, AdmissionReview::allow(uid, {}, {}), "skipped",
            request.operation + " of a pod: allowed unchanged"};
  const auto* metadataValue = request.object.if_contains("metadata");
  if (metadataValue != nullptr && !metadataValue->is_object())
    return {200, AdmissionReview::deny(uid, 400, "the pod's metadata is not a mapping"), "denied",
            "denied: metadata is not a mapping"};
  if (const auto* spec = request.object.if_contains("spec"); spec == nullptr || !spec->is_object())
    return {200, AdmissionReview::deny(uid, 400, "the pod has no spec"), "denied",
            "denied: no spec"};
  const json::object before = request.object;
  // json::object::operator[] may move every member, even for a key already there: take
  // references only once the object has stopped changing shape.
  if (metadataValue == nullptr)
    request.object.emplace("metadata", json::object{});
  auto& metadata = request.object.at("metadata").get_object();
  auto& spec = request.object.at("spec").get_object();
  auto name = text(&metadata, "name");
  if (name.empty())
    name = text(&metadata, "generateName") + "*";
  const auto ns = !request.ns.empty() ? request.ns : text(&metadata, "namespace");
  const auto objectName = "Pod " + ns + "/" + name;
  if (Injector::isInjected(metadata))
    return {200, AdmissionReview::allow(uid, {}, {}), "skipped", objectName + ": already injected"};
  if (namespaceAnnotations == nullptr)
    return {500, AdmissionReview::deny(uid, 500, "the namespace was not looked up"), "error",
            objectName + ": the namespace was not looked up"};
  if (!*namespaceAnnotations) {
    const auto why = "cannot read Namespace " + ns + ": " + namespaceAnnotations->error();
    return {500, AdmissionReview::deny(uid, 500, why), "error", objectName + ": " + why};
  }
  auto [ownerKind, ownerName] = ownerOf(request.object);
  PodTemplate pod{&metadata, &spec, objectName, ns, std::move(ownerKind), std::move(ownerName)};
  auto outcome = injector_.inject(pod, &**namespaceAnnotations, "Namespace " + ns);
  if (!outcome)
    return {200, AdmissionReview::deny(uid, 422, outcome.error()), "denied",
            "denied: " + outcome.error()};
  if (!outcome->injected)
    return {200, AdmissionReview::allow(uid, {}, outcome->warnings), "skipped",
            objectName + ": " + outcome->note};
  const auto patch = JsonPatch::diff(before, request.object,
                                     {"/metadata/labels", "/metadata/annotations",
                                      "/spec/initContainers", "/spec/containers", "/spec/volumes"});
  return {200, AdmissionReview::allow(uid, patch, outcome->warnings), "injected",
          objectName + ": injected" + (request.dryRun ? " (dry run)" : "")};
}

}  // namespace wasmesh::deploy
