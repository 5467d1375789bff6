#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <string>

#include "wasmesh/deploy/InjectorOptions.h"
#include "wasmesh/deploy/ProxySettings.h"

namespace wasmesh::deploy {

// Where the proxy finds what its volumes hold.
namespace sidecar {
inline constexpr std::string_view kTokenDirectory = "/var/run/wasmesh/tokens";
inline constexpr std::string_view kTokenFile = "identity-token";
inline constexpr std::string_view kEndEntityDirectory = "/var/run/wasmesh/identity/end-entity";
inline constexpr std::string_view kDiscoveryDirectory = "/var/run/wasmesh/discovery";
inline constexpr std::string_view kDiscoveryFile = "discovery.yaml";
inline constexpr long kTokenLifetimeSeconds = 86400;
}  // namespace sidecar

// The containers and volumes inject adds to a pod, as Kubernetes JSON.
class SidecarBuilder {
 public:
  SidecarBuilder(const ProxySettings& settings, const InjectorOptions& options)
      : settings_(settings), options_(options) {}

  // `wasmesh init` with the rules the annotations ask for: root with NET_ADMIN and NET_RAW
  // only, in the pod's network namespace.
  boost::json::object initContainer() const;
  // The proxy: uid settings.proxyUid, read-only root, no capabilities, configured through
  // WASMESH_* variables. As a native sidecar (an init container that keeps running) it
  // carries restartPolicy: Always and a startup probe on /ready.
  boost::json::object proxyContainer(bool nativeSidecar) const;
  boost::json::array volumes() const;
  // The proxy's environment, in order: later variables refer to earlier ones as $(NAME).
  boost::json::array environment() const;
  std::string image() const { return settings_.image + ":" + settings_.version; }

 private:
  const ProxySettings& settings_;
  const InjectorOptions& options_;
};

}  // namespace wasmesh::deploy
