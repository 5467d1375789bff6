#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/deploy/AnnotationReader.h"
#include "wasmesh/deploy/Checked.h"
#include "wasmesh/deploy/InjectorOptions.h"

namespace wasmesh::deploy {

// Everything the annotations of one pod template (and its namespace) ask for, checked.
// Unset optionals leave the proxy's own default in place.
struct ProxySettings {
  std::optional<std::string> inboundOpaquePorts;  // a port set, named ports resolved
  std::string skipInboundPorts;                   // "" for none
  std::string skipOutboundPorts;
  std::string skipSubnets;
  std::optional<std::string> defaultInboundPolicy;
  std::optional<std::string> logLevel;
  std::optional<std::string> logFormat;
  std::optional<std::string> shutdownGracePeriod;
  std::optional<std::string> inboundConnectTimeout;
  std::optional<std::string> outboundConnectTimeout;
  bool disableInboundDetectTimeout = false;
  bool disableOutboundDetectTimeout = false;
  std::optional<std::string> cpuRequest;
  std::optional<std::string> cpuLimit;
  std::optional<std::string> memoryRequest;
  std::optional<std::string> memoryLimit;
  unsigned workers = 1;  // from the CPU limit (or request), rounded up
  long proxyUid = sidecar::kDefaultProxyUid;
  std::string image;
  std::string version;
  bool nativeSidecar = true;
  bool await = true;
  // Linkerd annotations wasmesh ignores, one message each.
  std::vector<std::string> warnings;

  // The config annotation names wasmesh reads (without prefix).
  static const std::vector<std::string_view>& annotationNames();

  // Reads and checks every annotation; the first bad one is the error, naming the
  // annotation, the object it is set on and the value. `podSpec` resolves named ports.
  static Checked<ProxySettings> read(const AnnotationReader& annotations,
                                     const boost::json::object& podSpec,
                                     const InjectorOptions& options);
};

// Linkerd's detect timeout when detection is "disabled": long enough never to fire.
inline constexpr std::string_view kDisabledDetectTimeout = "365d";

}  // namespace wasmesh::deploy
