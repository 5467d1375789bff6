#include "wasmesh/deploy/Injector.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "wasmesh/deploy/AnnotationReader.h"
#include "wasmesh/deploy/ProxySettings.h"
#include "wasmesh/deploy/SidecarBuilder.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

// The annotations outside wasmesh.io/ that inject sets when the template has none: the
// ones generic `kubernetes-pods` Prometheus jobs and kubectl read.
constexpr std::pair<std::string_view, std::string_view> kScrapeAnnotations[] = {
    {"prometheus.io/scrape", "true"},
    {"prometheus.io/port", "4191"},
    {"prometheus.io/path", "/metrics"}};
constexpr std::string_view kDefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

// json::object::operator[] may move every member even when the key is there; these insert
// only when it is not, and callers take no other reference into `parent` across them.
json::object& objectAt(json::object& parent, std::string_view key) {
  auto* value = parent.if_contains(key);
  if (value == nullptr)
    value = &parent.emplace(key, json::object{}).first->value();
  if (!value->is_object())
    *value = json::object{};
  return value->get_object();
}

std::string text(const json::value* value) {
  return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// Removes the named entries of parent[key] (a list of {name: ...}); drops the list when it
// ends up empty. True when something went.
bool removeNamed(json::object& parent, std::string_view key,
                 std::initializer_list<std::string_view> names) {
  auto* list = parent.if_contains(key);
  if (list == nullptr || !list->is_array())
    return false;
  auto& array = list->get_array();
  const auto before = array.size();
  for (auto it = array.begin(); it != array.end();) {
    const auto* name = it->is_object() ? it->get_object().if_contains("name") : nullptr;
    const auto entry = text(name);
    if (std::find(names.begin(), names.end(), entry) != names.end())
      it = array.erase(it);
    else
      ++it;
  }
  const bool removed = array.size() != before;
  if (removed && array.empty())
    parent.erase(key);
  return removed;
}

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < list.size()) {
    auto end = list.find(',', start);
    if (end == std::string_view::npos)
      end = list.size();
    if (end > start)
      out.emplace_back(list.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Names inject needs that the template already uses for something of its own.
Checked<void> checkConflicts(const PodTemplate& pod) {
  const auto& spec = *pod.spec;
  for (const auto* list : {"containers", "initContainers"}) {
    const auto* containers = spec.if_contains(list);
    if (containers == nullptr || !containers->is_array())
      continue;
    for (const auto& container : containers->get_array()) {
      if (!container.is_object())
        return refusal(pod.objectName + ": spec." + list + " has an entry that is not a mapping");
      const auto& object = container.get_object();
      const auto name = text(object.if_contains("name"));
      if (name == sidecar::kProxyContainer || name == sidecar::kInitContainer)
        return refusal(pod.objectName + ": a container is already named \"" + name +
                       "\" (not one wasmesh inject added); rename it");
      const auto* ports = object.if_contains("ports");
      if (ports == nullptr || !ports->is_array())
        continue;
      for (const auto& port : ports->get_array()) {
        if (!port.is_object())
          continue;
        const auto portName = text(port.get_object().if_contains("name"));
        if (portName == sidecar::kProxyPortName || portName == sidecar::kAdminPortName)
          return refusal(pod.objectName + ": container \"" + name + "\" has a port named \"" +
                         portName + "\", which the proxy needs; rename it");
        const auto* number = port.get_object().if_contains("containerPort");
        if (number != nullptr && number->is_int64()) {
          const auto value = number->get_int64();
          if (value == sidecar::kProxyPort || value == sidecar::kOutboundPort ||
              value == sidecar::kAdminPort)
            return refusal(pod.objectName + ": container \"" + name + "\" uses port " +
                           std::to_string(value) +
                           ", which the proxy listens on (4140, 4143, 4191)");
        }
      }
    }
  }
  if (const auto* volumes = spec.if_contains("volumes");
      volumes != nullptr && volumes->is_array()) {
    for (const auto& volume : volumes->get_array()) {
      const auto name = volume.is_object() ? text(volume.get_object().if_contains("name")) : "";
      for (const auto ours : {sidecar::kTokenVolume, sidecar::kEndEntityVolume,
                              sidecar::kDiscoveryVolume, sidecar::kXtablesVolume}) {
        if (name == ours)
          return refusal(pod.objectName + ": a volume is already named \"" + name +
                         "\" (not one wasmesh inject added); rename it");
      }
    }
  }
  for (const auto* key : {"containers", "initContainers", "volumes"}) {
    const auto* value = spec.if_contains(key);
    if (value != nullptr && !value->is_array() && !value->is_null())
      return refusal(pod.objectName + ": spec." + key + " is not a list");
  }
  return {};
}

json::array& arrayAt(json::object& parent, std::string_view key) {
  auto* value = parent.if_contains(key);
  if (value == nullptr)
    value = &parent.emplace(key, json::array{}).first->value();
  if (!value->is_array())
    *value = json::array{};
  return value->get_array();
}

std::string firstContainerName(const json::object& spec) {
  const auto* containers = spec.if_contains("containers");
  if (containers == nullptr || !containers->is_array() || containers->get_array().empty())
    return "";
  const auto& first = containers->get_array().front();
  return first.is_object() ? text(first.get_object().if_contains("name")) : "";
}

}  // namespace

bool Injector::isInjected(const json::object& metadata) {
  const auto* annotations = metadata.if_contains("annotations");
  return annotations != nullptr && annotations->is_object() &&
         annotations->get_object().contains(sidecar::kProxyVersionAnnotation);
}

bool Injector::uninject(PodTemplate& pod) {
  bool changed =
      removeNamed(*pod.spec, "initContainers", {sidecar::kInitContainer, sidecar::kProxyContainer});
  changed |= removeNamed(*pod.spec, "containers", {sidecar::kProxyContainer});
  changed |= removeNamed(*pod.spec, "volumes",
                         {sidecar::kTokenVolume, sidecar::kEndEntityVolume,
                          sidecar::kDiscoveryVolume, sidecar::kXtablesVolume});
  auto* annotations = pod.metadata->if_contains("annotations");
  if (annotations != nullptr && annotations->is_object()) {
    auto& object = annotations->get_object();
    for (const auto& key : split(text(object.if_contains(sidecar::kAddedAnnotationsAnnotation))))
      changed |= object.erase(key) > 0;
    for (const auto key : {sidecar::kProxyVersionAnnotation, sidecar::kCreatedByAnnotation,
                           sidecar::kAddedAnnotationsAnnotation})
      changed |= object.erase(key) > 0;
    if (object.empty())
      pod.metadata->erase("annotations");
  }
  auto* labels = pod.metadata->if_contains("labels");
  if (labels != nullptr && labels->is_object()) {
    auto& object = labels->get_object();
    for (auto it = object.begin(); it != object.end();) {
      const std::string_view key = it->key();
      if (key == sidecar::kControlPlaneLabel || key == sidecar::kWorkloadNamespaceLabel ||
          key.starts_with(sidecar::kOwnerLabelPrefix)) {
        it = object.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
    if (object.empty())
      pod.metadata->erase("labels");
  }
  return changed;
}

Checked<InjectOutcome> Injector::inject(PodTemplate& pod, const json::object* namespaceAnnotations,
                                        std::string_view namespaceObjectName) const {
  if (pod.ns == "kube-system")
    return InjectOutcome{false, "kube-system is never injected", {}};
  if (const auto* hostNetwork = pod.spec->if_contains("hostNetwork");
      hostNetwork != nullptr && hostNetwork->is_bool() && hostNetwork->get_bool()) {
    return InjectOutcome{
        false, "uses hostNetwork: its rules and proxy would take over the node's traffic", {}};
  }
  const auto* podAnnotations = pod.metadata->if_contains("annotations");
  if (podAnnotations != nullptr && !podAnnotations->is_object())
    return refusal(pod.objectName + ": metadata.annotations is not a mapping");
  const AnnotationReader reader(podAnnotations != nullptr ? &podAnnotations->get_object() : nullptr,
                                namespaceAnnotations, pod.objectName,
                                std::string(namespaceObjectName));
  if (const auto inject = reader.inject()) {
    if (inject->value == "disabled")
      return InjectOutcome{false, inject->key + " is disabled", {}};
    if (inject->value != "enabled") {
      return refusal(pod.objectName + ": " + AnnotationReader::describe(*inject) + ": \"" +
                     inject->value + "\" is not enabled or disabled" +
                     (inject->value == "ingress" ? " (wasmesh has no ingress mode)" : ""));
    }
  } else if (!options_.manual) {
    return InjectOutcome{
        false,
        "not annotated wasmesh.io/inject: enabled (nor its namespace); --manual injects anyway",
        {}};
  }
  if (options_.trustAnchorsPem.empty())
    return refusal(pod.objectName +
                   ": no trust anchors to inject (--trust-anchors FILE: the PEM of the "
                   "wasmesh-trust-anchors ConfigMap)");

  // Work on copies: a refusal leaves the template exactly as it was.
  json::object metadata = *pod.metadata;
  json::object spec = *pod.spec;
  PodTemplate work = pod;
  work.metadata = &metadata;
  work.spec = &spec;
  if (isInjected(metadata))
    uninject(work);  // by our names; a template never injected keeps them, and is refused
  if (auto fine = checkConflicts(work); !fine)
    return refusal(fine.error());
  auto settings = ProxySettings::read(reader, spec, options_);
  if (!settings)
    return refusal(settings.error());

  const SidecarBuilder builder(*settings, options_);
  json::array initContainers;
  if (!options_.noInit)
    initContainers.push_back(builder.initContainer());
  if (settings->nativeSidecar)
    initContainers.push_back(builder.proxyContainer(true));
  if (auto* existing = spec.if_contains("initContainers");
      existing != nullptr && existing->is_array())
    for (auto& container : existing->get_array())
      initContainers.push_back(std::move(container));
  if (initContainers.empty())
    spec.erase("initContainers");
  else
    spec["initContainers"] = std::move(initContainers);
  const auto appContainer = firstContainerName(spec);
  if (!settings->nativeSidecar) {
    auto& containers = arrayAt(spec, "containers");
    containers.insert(containers.begin(), builder.proxyContainer(false));
  }
  auto& volumes = arrayAt(spec, "volumes");
  for (auto& volume : builder.volumes())
    volumes.push_back(std::move(volume));

  auto& annotations = objectAt(metadata, "annotations");
  std::vector<std::string> added;
  for (const auto& [key, value] : kScrapeAnnotations) {
    if (!annotations.contains(key)) {
      annotations[key] = value;
      added.emplace_back(key);
    }
  }
  // With the proxy first among the containers, `kubectl logs` and `exec` would pick it.
  if (!settings->nativeSidecar && !appContainer.empty() &&
      !annotations.contains(kDefaultContainerAnnotation)) {
    annotations[kDefaultContainerAnnotation] = appContainer;
    added.emplace_back(kDefaultContainerAnnotation);
  }
  annotations[sidecar::kProxyVersionAnnotation] = settings->version;
  annotations[sidecar::kCreatedByAnnotation] =
      options_.createdBy + " " + std::string(wasmeshVersion());
  if (!added.empty()) {
    std::string list;
    for (const auto& key : added)
      list += (list.empty() ? "" : ",") + key;
    annotations[sidecar::kAddedAnnotationsAnnotation] = list;
  }
  auto& labels = objectAt(metadata, "labels");
  labels[sidecar::kControlPlaneLabel] = options_.controlPlaneNamespace;
  if (!pod.ns.empty())
    labels[sidecar::kWorkloadNamespaceLabel] = pod.ns;
  InjectOutcome outcome{true, "injected", std::move(settings->warnings)};
  if (!pod.ownerKind.empty()) {
    if (pod.ownerName.size() <= 63)
      labels[std::string(sidecar::kOwnerLabelPrefix) + pod.ownerKind] = pod.ownerName;
    else
      outcome.warnings.push_back(pod.objectName +
                                 ": the name is longer than a label value (63), "
                                 "so its pods carry no wasmesh.io/proxy-" +
                                 pod.ownerKind + " label");
  }
  *pod.metadata = std::move(metadata);
  *pod.spec = std::move(spec);
  return outcome;
}

}  // namespace wasmesh::deploy
