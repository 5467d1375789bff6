#pragma once

#include <string>
#include <string_view>

namespace wasmesh::deploy {

// The names inject gives to what it adds; uninject removes exactly these.
namespace sidecar {
inline constexpr std::string_view kInitContainer = "wasmesh-init";
inline constexpr std::string_view kProxyContainer = "wasmesh-proxy";
inline constexpr std::string_view kProxyPortName = "wasmesh-proxy";
inline constexpr std::string_view kAdminPortName = "wasmesh-admin";
inline constexpr std::string_view kTokenVolume = "wasmesh-identity-token";
inline constexpr std::string_view kEndEntityVolume = "wasmesh-identity-end-entity";
inline constexpr std::string_view kDiscoveryVolume = "wasmesh-discovery";
inline constexpr std::string_view kXtablesVolume = "wasmesh-init-xtables-lock";
inline constexpr std::string_view kDiscoveryConfigMap = "wasmesh-discovery";
// Pod annotations inject sets; the first marks a pod template as injected.
inline constexpr std::string_view kProxyVersionAnnotation = "wasmesh.io/proxy-version";
inline constexpr std::string_view kCreatedByAnnotation = "wasmesh.io/created-by";
// Which annotations outside wasmesh.io/ inject added (absent before), comma-separated.
inline constexpr std::string_view kAddedAnnotationsAnnotation = "wasmesh.io/inject-added";
// Labels inject sets; Prometheus' scrape configuration relies on them.
inline constexpr std::string_view kControlPlaneLabel = "wasmesh.io/control-plane-ns";
inline constexpr std::string_view kWorkloadNamespaceLabel = "wasmesh.io/workload-ns";
inline constexpr std::string_view kOwnerLabelPrefix = "wasmesh.io/proxy-";
inline constexpr unsigned kProxyPort = 4143;
inline constexpr unsigned kOutboundPort = 4140;
inline constexpr unsigned kAdminPort = 4191;
inline constexpr long kDefaultProxyUid = 2102;
}  // namespace sidecar

// What is the same for every pod a given `wasmesh inject` run or injector adds to.
struct InjectorOptions {
  std::string trustDomain = "cluster.local";
  // PEM text of the trust anchors (the wasmesh-trust-anchors ConfigMap); needed to inject.
  std::string trustAnchorsPem;
  std::string identityService = "wasmesh-identity.wasmesh.svc:8080";
  // The audience of the projected service-account token; the identity service reviews
  // tokens for it.
  std::string identityAudience = "identity.wasmesh.io";
  std::string controlPlaneNamespace = "wasmesh";
  std::string image = "ghcr.io/wasmesh/wasmesh";
  std::string version;  // empty: this binary's version
  // Where the image keeps the binary (`cmake --install --prefix /usr/local`).
  std::string binaryPath = "/usr/local/bin/wasmesh";
  // No init container: a CNI plugin writes the rules.
  bool noInit = false;
  // Inject every pod template that is not annotated `disabled`, annotation or not.
  bool manual = false;
  // The wasmesh.io/created-by annotation: "wasmesh/cli <version>" or "wasmesh/injector ...".
  std::string createdBy = "wasmesh/cli";
};

// This build's version ("0.1.0"), the default proxy-version.
std::string_view wasmeshVersion() noexcept;

}  // namespace wasmesh::deploy
