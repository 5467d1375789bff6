#include "wasmesh/deploy/SidecarBuilder.h"

#include <boost/json.hpp>

namespace wasmesh::deploy {
namespace {

namespace json = boost::json;

json::object variable(std::string_view name, std::string_view value) {
  return {{"name", name}, {"value", value}};
}

json::object fieldVariable(std::string_view name, std::string_view fieldPath) {
  return {{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", fieldPath}}}}}};
}

json::object httpProbe(std::string_view path, std::int64_t periodSeconds,
                       std::int64_t failureThreshold, std::int64_t initialDelaySeconds) {
  return {{"httpGet", {{"path", path}, {"port", sidecar::kAdminPort}}},
          {"initialDelaySeconds", initialDelaySeconds},
          {"periodSeconds", periodSeconds},
          {"timeoutSeconds", 1},
          {"failureThreshold", failureThreshold}};
}

json::object port(std::string_view name, unsigned number) {
  return {{"name", name}, {"containerPort", number}, {"protocol", "TCP"}};
}

std::string joined(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (const auto part : parts)
    out += part;
  return out;
}

}  // namespace

json::array SidecarBuilder::environment() const {
  json::array env;
  env.push_back(fieldVariable("POD_NAMESPACE", "metadata.namespace"));
  env.push_back(fieldVariable("SERVICE_ACCOUNT", "spec.serviceAccountName"));
  env.push_back(variable("WASMESH_ADMIN_LISTEN", "0.0.0.0:" + std::to_string(sidecar::kAdminPort)));
  env.push_back(variable("WASMESH_PROXY_WORKERS", std::to_string(settings_.workers)));
  const std::pair<std::string_view, const std::optional<std::string>*> optional[] = {
      {"WASMESH_LOG_LEVEL", &settings_.logLevel},
      {"WASMESH_LOG_FORMAT", &settings_.logFormat},
      {"WASMESH_PROXY_SHUTDOWN_GRACE_PERIOD", &settings_.shutdownGracePeriod},
      {"WASMESH_INBOUND_CONNECT_TIMEOUT", &settings_.inboundConnectTimeout},
      {"WASMESH_OUTBOUND_CONNECT_TIMEOUT", &settings_.outboundConnectTimeout},
      {"WASMESH_INBOUND_OPAQUE_PORTS", &settings_.inboundOpaquePorts},
      {"WASMESH_INBOUND_DEFAULT_POLICY", &settings_.defaultInboundPolicy}};
  for (const auto& [name, value] : optional) {
    if (*value)
      env.push_back(variable(name, **value));
  }
  if (settings_.disableInboundDetectTimeout)
    env.push_back(variable("WASMESH_INBOUND_DETECT_TIMEOUT", kDisabledDetectTimeout));
  if (settings_.disableOutboundDetectTimeout)
    env.push_back(variable("WASMESH_OUTBOUND_DETECT_TIMEOUT", kDisabledDetectTimeout));
  // Kubernetes expands $(POD_NAMESPACE) and $(SERVICE_ACCOUNT) from the entries above.
  env.push_back(variable("WASMESH_IDENTITY_ID", "spiffe://" + options_.trustDomain +
                                                    "/ns/$(POD_NAMESPACE)/sa/$(SERVICE_ACCOUNT)"));
  env.push_back(variable("WASMESH_IDENTITY_TRUST_ANCHORS", options_.trustAnchorsPem));
  env.push_back(variable("WASMESH_IDENTITY_SERVICE", options_.identityService));
  env.push_back(variable("WASMESH_IDENTITY_TOKEN_FILE",
                         joined({sidecar::kTokenDirectory, "/", sidecar::kTokenFile})));
  env.push_back(variable("WASMESH_DISCOVERY_FILE",
                         joined({sidecar::kDiscoveryDirectory, "/", sidecar::kDiscoveryFile})));
  return env;
}

json::object SidecarBuilder::initContainer() const {
  json::array args{"--proxy-uid", std::to_string(settings_.proxyUid)};
  const std::pair<std::string_view, const std::string*> lists[] = {
      {"--skip-inbound-ports", &settings_.skipInboundPorts},
      {"--skip-outbound-ports", &settings_.skipOutboundPorts},
      {"--skip-subnets", &settings_.skipSubnets}};
  for (const auto& [flag, value] : lists) {
    if (!value->empty()) {
      args.emplace_back(flag);
      args.emplace_back(*value);
    }
  }
  return {
      {"name", sidecar::kInitContainer},
      {"image", image()},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array{options_.binaryPath, "init"}},
      {"args", std::move(args)},
      // iptables must be root in the pod's network namespace; nothing else is granted.
      {"securityContext",
       {{"runAsUser", 0},
        {"runAsGroup", 0},
        {"runAsNonRoot", false},
        {"privileged", false},
        {"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"capabilities",
         {{"add", json::array{"NET_ADMIN", "NET_RAW"}}, {"drop", json::array{"ALL"}}}},
        {"seccompProfile", {{"type", "RuntimeDefault"}}}}},
      {"terminationMessagePolicy", "FallbackToLogsOnError"},
      // iptables -w takes its lock under /run, which the read-only root cannot hold.
      {"volumeMounts",
       json::array{json::object{{"name", sidecar::kXtablesVolume}, {"mountPath", "/run"}}}},
  };
}

json::object SidecarBuilder::proxyContainer(bool nativeSidecar) const {
  json::object container{
      {"name", sidecar::kProxyContainer},
      {"image", image()},
      {"imagePullPolicy", "IfNotPresent"},
      {"command", json::array{options_.binaryPath, "proxy"}},
      {"env", environment()},
      {"ports", json::array{port(sidecar::kProxyPortName, sidecar::kProxyPort),
                            port(sidecar::kAdminPortName, sidecar::kAdminPort)}},
      {"livenessProbe", httpProbe("/live", 10, 3, 10)},
      {"readinessProbe", httpProbe("/ready", 10, 3, 2)},
  };
  if (nativeSidecar) {
    container["restartPolicy"] = "Always";
    // The kubelet starts the next containers once this succeeds: the application's
    // connections then find the proxy ready. Linkerd's proxy-await: disabled drops it.
    if (settings_.await)
      container["startupProbe"] = httpProbe("/ready", 1, 120, 0);
  } else if (settings_.await) {
    // The kubelet starts containers in order and runs each postStart hook to completion
    // before starting the next; the proxy comes first, so the application waits for it.
    container["lifecycle"] = {
        {"postStart",
         {{"exec", {{"command", json::array{options_.binaryPath, "await", "--timeout", "2m"}}}}}}};
  }
  json::object requests;
  json::object limits;
  if (settings_.cpuRequest)
    requests["cpu"] = *settings_.cpuRequest;
  if (settings_.memoryRequest)
    requests["memory"] = *settings_.memoryRequest;
  if (settings_.cpuLimit)
    limits["cpu"] = *settings_.cpuLimit;
  if (settings_.memoryLimit)
    limits["memory"] = *settings_.memoryLimit;
  if (!requests.empty() || !limits.empty()) {
    json::object resources;
    if (!requests.empty())
      resources["requests"] = std::move(requests);
    if (!limits.empty())
      resources["limits"] = std::move(limits);
    container["resources"] = std::move(resources);
  }
  container["securityContext"] = {{"runAsUser", settings_.proxyUid},
                                  {"runAsGroup", settings_.proxyUid},
                                  {"runAsNonRoot", true},
                                  {"privileged", false},
                                  {"allowPrivilegeEscalation", false},
                                  {"readOnlyRootFilesystem", true},
                                  {"capabilities", {{"drop", json::array{"ALL"}}}},
                                  {"seccompProfile", {{"type", "RuntimeDefault"}}}};
  container["terminationMessagePolicy"] = "FallbackToLogsOnError";
  container["volumeMounts"] = json::array{json::object{{"name", sidecar::kTokenVolume},
                                                       {"mountPath", sidecar::kTokenDirectory},
                                                       {"readOnly", true}},
                                          json::object{{"name", sidecar::kEndEntityVolume},
                                                       {"mountPath", sidecar::kEndEntityDirectory}},
                                          json::object{{"name", sidecar::kDiscoveryVolume},
                                                       {"mountPath", sidecar::kDiscoveryDirectory},
                                                       {"readOnly", true}}};
  return container;
}

json::array SidecarBuilder::volumes() const {
  json::array out{
      json::object{{"name", sidecar::kTokenVolume},
                   {"projected",
                    {{"sources", json::array{json::object{
                                     {"serviceAccountToken",
                                      {{"audience", options_.identityAudience},
                                       {"expirationSeconds", sidecar::kTokenLifetimeSeconds},
                                       {"path", sidecar::kTokenFile}}}}}}}}},
      // The proxy's only writable place, in memory; today its key never leaves its memory.
      json::object{{"name", sidecar::kEndEntityVolume},
                   {"emptyDir", {{"medium", "Memory"}, {"sizeLimit", "1Mi"}}}},
      // Optional: until a controller writes it, the proxy meshes no destination.
      json::object{{"name", sidecar::kDiscoveryVolume},
                   {"configMap", {{"name", sidecar::kDiscoveryConfigMap}, {"optional", true}}}},
  };
  if (!options_.noInit)
    out.push_back(json::object{{"name", sidecar::kXtablesVolume}, {"emptyDir", json::object{}}});
  return out;
}

}  // namespace wasmesh::deploy
