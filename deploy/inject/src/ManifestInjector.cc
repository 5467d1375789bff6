#include "wasmesh/deploy/ManifestInjector.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <map>

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

std::string text(const json::value* value) {
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Where a kind keeps its pod template: the path of keys from the document to it.
const std::map<std::string, std::vector<const char*>, std::less<>>& templatePaths() {
  static const std::map<std::string, std::vector<const char*>, std::less<>> kPaths = {
      {"Pod", {}},
      {"Deployment", {"spec", "template"}},
      {"StatefulSet", {"spec", "template"}},
      {"DaemonSet", {"spec", "template"}},
      {"ReplicaSet", {"spec", "template"}},
      {"ReplicationController", {"spec", "template"}},
      {"Job", {"spec", "template"}},
      {"CronJob", {"spec", "jobTemplate", "spec", "template"}},
  };
  return kPaths;
}

struct Visitor {
  const Injector& injector;
  bool injecting;
  // Namespace name -> its annotations, from Namespace documents of the same input.
  std::map<std::string, json::object, std::less<>> namespaces;
  ManifestInjector::Report report;

  void collectNamespaces(const json::value& document) {
    if (!document.is_object())
      return;
    const auto& object = document.get_object();
    const auto kind = text(object.if_contains("kind"));
    if (kind == "List") {
      if (const auto* items = object.if_contains("items"); items != nullptr && items->is_array())
        for (const auto& item : items->get_array())
          collectNamespaces(item);
      return;
    }
    if (kind != "Namespace")
      return;
    const auto* metadata = object.if_contains("metadata");
    if (metadata == nullptr || !metadata->is_object())
      return;
    const auto name = text(metadata->get_object().if_contains("name"));
    const auto* annotations = metadata->get_object().if_contains("annotations");
    if (!name.empty() && annotations != nullptr && annotations->is_object())
      namespaces[name] = annotations->get_object();
  }

  Checked<void> visit(json::value& document, const std::string& where) {
    if (!document.is_object())
      return refusal(where + ": not a Kubernetes object (a mapping with apiVersion and kind)");
    auto& object = document.get_object();
    const auto* kindValue = object.if_contains("kind");
    const auto* apiVersion = object.if_contains("apiVersion");
    if (kindValue == nullptr || !kindValue->is_string() || kindValue->get_string().empty())
      return refusal(where + ": has no kind");
    if (apiVersion == nullptr || !apiVersion->is_string() || apiVersion->get_string().empty())
      return refusal(where + ": " + text(kindValue) + " has no apiVersion");
    const auto kind = text(kindValue);
    if (kind == "List") {
      auto* items = object.if_contains("items");
      if (items == nullptr || !items->is_array())
        return refusal(where + ": List has no items list");
      std::size_t index = 0;
      for (auto& item : items->get_array()) {
        if (auto visited = visit(item, where + ", item " + std::to_string(index++)); !visited)
          return visited;
      }
      return {};
    }
    auto* metadataValue = object.if_contains("metadata");
    if (metadataValue != nullptr && !metadataValue->is_object())
      return refusal(where + ": " + kind + ": metadata is not a mapping");
    const auto* metadata = metadataValue != nullptr ? &metadataValue->get_object() : nullptr;
    const auto name = metadata != nullptr ? text(metadata->if_contains("name")) : "";
    const auto ns = metadata != nullptr ? text(metadata->if_contains("namespace")) : "";
    const auto objectName =
        kind + " " + (ns.empty() ? "" : ns + "/") + (name.empty() ? "(" + where + ")" : name);
    const auto path = templatePaths().find(kind);
    if (path == templatePaths().end()) {
      report.lines.push_back(objectName + ": no pod template, unchanged");
      return {};
    }
    json::object* holder = &object;
    std::string walked;
    for (const char* key : path->second) {
      walked += walked.empty() ? key : std::string(".") + key;
      auto* next = holder->if_contains(key);
      if (next == nullptr || !next->is_object())
        return refusal(objectName + ": " + walked + " is missing or not a mapping");
      holder = &next->get_object();
    }
    const bool hadMetadata = holder->contains("metadata");
    auto& templateMetadata = holder->operator[]("metadata");
    if (templateMetadata.is_null())
      templateMetadata = json::object{};
    if (!templateMetadata.is_object())
      return refusal(objectName + ": the pod template's metadata is not a mapping");
    auto* spec = holder->if_contains("spec");
    if (spec == nullptr || !spec->is_object())
      return refusal(objectName + ": the pod template has no spec");
    PodTemplate pod{&templateMetadata.get_object(),
                    &spec->get_object(),
                    objectName,
                    ns,
                    kind == "Pod" ? "" : lower(kind),
                    name};
    if (!injecting) {
      const bool removed = Injector::uninject(pod);
      if (templateMetadata.get_object().empty() && (removed || !hadMetadata) && kind != "Pod")
        holder->erase("metadata");
      report.lines.push_back(objectName + (removed ? ": uninjected" : ": not injected, unchanged"));
      return {};
    }
    const auto nsAnnotations = namespaces.find(ns);
    auto outcome =
        injector.inject(pod, nsAnnotations != namespaces.end() ? &nsAnnotations->second : nullptr,
                        "Namespace " + ns);
    if (!outcome)
      return refusal(outcome.error());
    if (!outcome->injected && !hadMetadata && templateMetadata.get_object().empty())
      holder->erase("metadata");
    report.lines.push_back(objectName + ": " + outcome->note);
    for (auto& warning : outcome->warnings)
      report.warnings.push_back(std::move(warning));
    return {};
  }
};

}  // namespace

Checked<ManifestInjector::Report> ManifestInjector::visit(std::vector<json::value>& documents,
                                                          bool injecting) const {
  Visitor visitor{injector_, injecting, {}, {}};
  for (const auto& document : documents)
    visitor.collectNamespaces(document);
  auto changed = documents;
  for (std::size_t i = 0; i < changed.size(); ++i) {
    if (auto visited = visitor.visit(changed[i], "document " + std::to_string(i + 1)); !visited)
      return refusal(visited.error());
  }
  documents = std::move(changed);
  return std::move(visitor.report);
}

Checked<ManifestInjector::Report> ManifestInjector::inject(
    std::vector<json::value>& documents) const {
  return visit(documents, true);
}

Checked<ManifestInjector::Report> ManifestInjector::uninject(
    std::vector<json::value>& documents) const {
  return visit(documents, false);
}

}  // namespace wasmesh::deploy
