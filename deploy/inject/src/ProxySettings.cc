#include "wasmesh/deploy/ProxySettings.h"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/deploy/ResourceQuantity.h"

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;
using Found = AnnotationReader::Found;

// Annotation names, without their config.wasmesh.io/ (or Linkerd) prefix.
constexpr std::string_view kOpaquePorts = "opaque-ports";
constexpr std::string_view kSkipInboundPorts = "skip-inbound-ports";
constexpr std::string_view kSkipOutboundPorts = "skip-outbound-ports";
constexpr std::string_view kSkipSubnets = "skip-subnets";
constexpr std::string_view kDefaultInboundPolicy = "default-inbound-policy";
constexpr std::string_view kLogLevel = "proxy-log-level";
constexpr std::string_view kLogFormat = "proxy-log-format";
constexpr std::string_view kShutdownGracePeriod = "shutdown-grace-period";
constexpr std::string_view kInboundConnectTimeout = "proxy-inbound-connect-timeout";
constexpr std::string_view kOutboundConnectTimeout = "proxy-outbound-connect-timeout";
constexpr std::string_view kDisableInboundDetect = "proxy-disable-inbound-protocol-detect-timeout";
constexpr std::string_view kDisableOutboundDetect =
    "proxy-disable-outbound-protocol-detect-timeout";
constexpr std::string_view kCpuRequest = "proxy-cpu-request";
constexpr std::string_view kCpuLimit = "proxy-cpu-limit";
constexpr std::string_view kMemoryRequest = "proxy-memory-request";
constexpr std::string_view kMemoryLimit = "proxy-memory-limit";
constexpr std::string_view kProxyUid = "proxy-uid";
constexpr std::string_view kProxyImage = "proxy-image";
constexpr std::string_view kProxyVersion = "proxy-version";
constexpr std::string_view kNativeSidecar = "proxy-enable-native-sidecar";
constexpr std::string_view kAwait = "proxy-await";

// Refusals name the object, the annotation (and where it was set) and the value.
class Refuser {
 public:
  explicit Refuser(const AnnotationReader& annotations) : annotations_(annotations) {}
  std::string operator()(const Found& found, std::string_view why) const {
    return annotations_.podObjectName() + ": " + AnnotationReader::describe(found) + ": \"" +
           found.value + "\" " + std::string(why);
  }

 private:
  const AnnotationReader& annotations_;
};

bool isContainerPortName(std::string_view text) {
  // IANA service names as Kubernetes allows them: 1-15 of [a-z0-9-], at least one letter.
  return !text.empty() && text.size() <= 15 && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  }) && std::any_of(text.begin(), text.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

std::map<std::string, std::int64_t, std::less<>> namedPorts(const json::object& podSpec) {
  std::map<std::string, std::int64_t, std::less<>> out;
  for (const auto* list : {"containers", "initContainers"}) {
    const auto* containers = podSpec.if_contains(list);
    if (containers == nullptr || !containers->is_array())
      continue;
    for (const auto& container : containers->get_array()) {
      const auto* ports =
          container.is_object() ? container.get_object().if_contains("ports") : nullptr;
      if (ports == nullptr || !ports->is_array())
        continue;
      for (const auto& port : ports->get_array()) {
        if (!port.is_object())
          continue;
        const auto* name = port.get_object().if_contains("name");
        const auto* number = port.get_object().if_contains("containerPort");
        if (name != nullptr && name->is_string() && number != nullptr && number->is_int64())
          out.emplace(std::string(name->get_string()), number->get_int64());
      }
    }
  }
  return out;
}

// A port set as the proxy and `wasmesh init` read it, named container ports replaced by
// their numbers when `podSpec` is given; the error is the reason (without the value).
Checked<std::string> portSet(std::string_view text, const json::object* podSpec) {
  std::string numeric;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find(',', start);
    if (end == std::string_view::npos)
      end = text.size();
    auto entry = text.substr(start, end - start);
    while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t'))
      entry.remove_prefix(1);
    while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t'))
      entry.remove_suffix(1);
    start = end + 1;
    if (entry.empty())
      continue;
    std::string resolved(entry);
    const bool numericEntry = std::all_of(
        entry.begin(), entry.end(), [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
    if (!numericEntry && isContainerPortName(entry)) {
      if (podSpec == nullptr)
        return {boost::system::in_place_error,
                "names a port (" + resolved + "); only numbers and ranges are allowed here"};
      const auto ports = namedPorts(*podSpec);
      const auto found = ports.find(entry);
      if (found == ports.end())
        return {boost::system::in_place_error,
                "names the port \"" + resolved + "\", which no container of the pod declares"};
      resolved = std::to_string(found->second);
    }
    if (!numeric.empty())
      numeric += ',';
    numeric += resolved;
  }
  const auto parsed = parsePortSet(numeric);
  if (!parsed)
    return {boost::system::in_place_error,
            "is not a list of ports, ranges (8000-8100) or container port names"};
  return Checked<std::string>(boost::system::in_place_value, parsed->toString());
}

Checked<bool> boolean(const Found& found, const Refuser& refuse) {
  if (found.value == "true")
    return true;
  if (found.value == "false")
    return false;
  return refusal(refuse(found, "is not true or false"));
}

Checked<std::string> duration(const Found& found, const Refuser& refuse) {
  const auto parsed = parseDuration(found.value);
  if (!parsed)
    return {boost::system::in_place_error,
            refuse(found, "is not a duration (an integer with a unit: ms, s, m, h, d)")};
  return Checked<std::string>(boost::system::in_place_value, found.value);
}

Checked<std::string> oneOf(const Found& found, const Refuser& refuse,
                           std::initializer_list<std::string_view> values) {
  if (std::find(values.begin(), values.end(), found.value) != values.end())
    return Checked<std::string>(boost::system::in_place_value, found.value);
  std::string list;
  for (const auto value : values) {
    if (!list.empty())
      list += ", ";
    list += value;
  }
  return refusal(refuse(found, "is not one of " + list));
}

bool isImageName(std::string_view text) {
  // registry[:port]/path/name, lower case, as `docker pull` takes it (the tag comes from
  // proxy-version, so none here).
  if (text.empty() || text.size() > 255 || text.front() == '/' || text.back() == '/' ||
      text.find("//") != std::string_view::npos)
    return false;
  const auto firstSlash = text.find('/');
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool registryPart = firstSlash != std::string_view::npos && i < firstSlash;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
        c == '/')
      continue;
    if (registryPart && (c == ':' || (c >= 'A' && c <= 'Z')))
      continue;
    return false;
  }
  return true;
}

bool isImageTag(std::string_view text) {
  if (text.empty() || text.size() > 128 || text.front() == '.' || text.front() == '-')
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

// A request and a limit of one resource: each a quantity, the request no larger.
Checked<void> resource(const AnnotationReader& annotations, const Refuser& refuse,
                       std::string_view requestName, std::string_view limitName,
                       std::optional<std::string>& request, std::optional<std::string>& limit,
                       std::optional<ResourceQuantity>& limitValue,
                       std::optional<ResourceQuantity>& requestValue) {
  const auto requestFound = annotations.config(requestName);
  const auto limitFound = annotations.config(limitName);
  for (const auto& [found, text, value] : {std::tuple{&requestFound, &request, &requestValue},
                                           std::tuple{&limitFound, &limit, &limitValue}}) {
    if (!*found)
      continue;
    *value = ResourceQuantity::parse((*found)->value);
    if (!*value)
      return refusal(refuse(**found, "is not a Kubernetes quantity (100m, 0.5, 64Mi, 1Gi)"));
    *text = (*found)->value;
  }
  if (requestValue && limitValue && requestValue->value() > limitValue->value())
    return refusal(refuse(*requestFound, "is more than the limit " + limitFound->key + ": \"" +
                                             limitFound->value + "\""));
  return {};
}

}  // namespace

const std::vector<std::string_view>& ProxySettings::annotationNames() {
  static const std::vector<std::string_view> kNames = {kOpaquePorts,
                                                       kSkipInboundPorts,
                                                       kSkipOutboundPorts,
                                                       kSkipSubnets,
                                                       kDefaultInboundPolicy,
                                                       kLogLevel,
                                                       kLogFormat,
                                                       kShutdownGracePeriod,
                                                       kInboundConnectTimeout,
                                                       kOutboundConnectTimeout,
                                                       kDisableInboundDetect,
                                                       kDisableOutboundDetect,
                                                       kCpuRequest,
                                                       kCpuLimit,
                                                       kMemoryRequest,
                                                       kMemoryLimit,
                                                       kProxyUid,
                                                       kProxyImage,
                                                       kProxyVersion,
                                                       kNativeSidecar,
                                                       kAwait};
  return kNames;
}

Checked<ProxySettings> ProxySettings::read(const AnnotationReader& annotations,
                                           const json::object& podSpec,
                                           const InjectorOptions& options) {
  const Refuser refuse(annotations);
  ProxySettings settings;
  settings.image = options.image;
  settings.version = options.version.empty() ? std::string(wasmeshVersion()) : options.version;

  if (const auto unknown = annotations.unknownWasmeshAnnotations(annotationNames());
      !unknown.empty()) {
    return {boost::system::in_place_error,
            annotations.podObjectName() + ": annotation " + unknown.front() +
                ": unknown (see docs/kubernetes.md for the annotations wasmesh reads)"};
  }
  for (const auto& key : annotations.unsupportedLinkerdAnnotations(annotationNames())) {
    settings.warnings.push_back(annotations.podObjectName() + ": annotation " + key +
                                ": not supported by wasmesh, ignored");
  }

  // Ports and networks.
  const std::tuple<std::string_view, const json::object*, std::string*> portAnnotations[] = {
      {kSkipInboundPorts, &podSpec, &settings.skipInboundPorts},
      {kSkipOutboundPorts, nullptr, &settings.skipOutboundPorts}};
  for (const auto& [name, spec, target] : portAnnotations) {
    if (const auto found = annotations.config(name)) {
      auto ports = portSet(found->value, spec);
      if (!ports)
        return refusal(refuse(*found, ports.error()));
      *target = std::move(*ports);
    }
  }
  if (const auto found = annotations.config(kOpaquePorts)) {
    auto ports = portSet(found->value, &podSpec);
    if (!ports)
      return refusal(refuse(*found, ports.error()));
    settings.inboundOpaquePorts = std::move(*ports);
  }
  if (const auto found = annotations.config(kSkipSubnets)) {
    const auto cidrs = parseCidrList(found->value);
    if (!cidrs)
      return {boost::system::in_place_error,
              refuse(*found, "is not a list of CIDRs (10.0.0.0/8,fd00::/8)")};
    for (const auto& cidr : *cidrs) {
      if (!settings.skipSubnets.empty())
        settings.skipSubnets += ',';
      settings.skipSubnets += cidr.toString();
    }
  }

  // Proxy configuration.
  if (const auto found = annotations.config(kDefaultInboundPolicy)) {
    auto value = oneOf(*found, refuse,
                       {"all-unauthenticated", "all-authenticated", "cluster-unauthenticated",
                        "cluster-authenticated", "deny", "audit"});
    if (!value)
      return refusal(value.error());
    settings.defaultInboundPolicy = std::move(*value);
  }
  if (const auto found = annotations.config(kLogLevel)) {
    auto value = oneOf(*found, refuse, {"trace", "debug", "info", "warn", "error", "off"});
    if (!value)
      return refusal(value.error());
    settings.logLevel = std::move(*value);
  }
  if (const auto found = annotations.config(kLogFormat)) {
    auto value = oneOf(*found, refuse, {"plain", "json"});
    if (!value)
      return refusal(value.error());
    settings.logFormat = std::move(*value);
  }
  const std::pair<std::string_view, std::optional<std::string>*> durations[] = {
      {kShutdownGracePeriod, &settings.shutdownGracePeriod},
      {kInboundConnectTimeout, &settings.inboundConnectTimeout},
      {kOutboundConnectTimeout, &settings.outboundConnectTimeout}};
  for (const auto& [name, target] : durations) {
    if (const auto found = annotations.config(name)) {
      auto value = duration(*found, refuse);
      if (!value)
        return refusal(value.error());
      *target = std::move(*value);
    }
  }
  const std::pair<std::string_view, bool*> booleans[] = {
      {kDisableInboundDetect, &settings.disableInboundDetectTimeout},
      {kDisableOutboundDetect, &settings.disableOutboundDetectTimeout},
      {kNativeSidecar, &settings.nativeSidecar}};
  for (const auto& [name, target] : booleans) {
    if (const auto found = annotations.config(name)) {
      auto value = boolean(*found, refuse);
      if (!value)
        return refusal(value.error());
      *target = *value;
    }
  }
  if (const auto found = annotations.config(kAwait)) {
    auto value = oneOf(*found, refuse, {"enabled", "disabled"});
    if (!value)
      return refusal(value.error());
    settings.await = *value == "enabled";
  }

  // Resources: requests no larger than limits; workers follow the CPU.
  std::optional<ResourceQuantity> cpuLimit;
  std::optional<ResourceQuantity> cpuRequest;
  std::optional<ResourceQuantity> memoryLimit;
  std::optional<ResourceQuantity> memoryRequest;
  if (auto checked = resource(annotations, refuse, kCpuRequest, kCpuLimit, settings.cpuRequest,
                              settings.cpuLimit, cpuLimit, cpuRequest);
      !checked)
    return refusal(checked.error());
  if (auto checked =
          resource(annotations, refuse, kMemoryRequest, kMemoryLimit, settings.memoryRequest,
                   settings.memoryLimit, memoryLimit, memoryRequest);
      !checked)
    return refusal(checked.error());
  if (cpuLimit)
    settings.workers = cpuLimit->wholeCores();
  else if (cpuRequest)
    settings.workers = cpuRequest->wholeCores();

  // Image and user.
  if (const auto found = annotations.config(kProxyUid)) {
    const auto& text = found->value;
    const bool digits =
        !text.empty() && text.size() <= 10 &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    const long uid = digits ? std::stol(text) : -1;
    if (uid < 1 || uid > 2147483647)
      return {boost::system::in_place_error,
              refuse(*found, "is not a user id in 1..2147483647 (the proxy never runs as root)")};
    settings.proxyUid = uid;
  }
  if (const auto found = annotations.config(kProxyImage)) {
    if (!isImageName(found->value))
      return {boost::system::in_place_error,
              refuse(*found, "is not an image name (registry/name, without a tag)")};
    settings.image = found->value;
  }
  if (const auto found = annotations.config(kProxyVersion)) {
    if (!isImageTag(found->value))
      return refusal(refuse(*found, "is not an image tag"));
    settings.version = found->value;
  }
  return settings;
}

}  // namespace wasmesh::deploy
