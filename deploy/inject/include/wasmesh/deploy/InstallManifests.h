#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wasmesh::deploy {

struct InstallOptions {
  // Required unless identityCaDirectory is given (then it must agree with the CA's).
  std::string trustDomain;
  // ca.crt, issuer.crt, issuer.key from `wasmesh identity ca init`; empty: a new CA whose
  // root key is thrown away (rotating means a new root, see docs/kubernetes.md).
  std::string identityCaDirectory;
  std::string image = "ghcr.io/wasmesh/wasmesh";
  std::string version;  // empty: this binary's version
  std::chrono::seconds caLifetime{std::chrono::hours(8760)};
  std::chrono::seconds webhookLifetime{std::chrono::hours(8760)};
};

// Failing to build the control plane (a CA directory that cannot be used, a trust domain
// that is not one): start-up code, the CLI prints it and exits 2.
struct InstallError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `wasmesh install`: deploy/k8s (built in) for a trust domain, with what cannot be shipped
// generated: the identity issuer Secret, the trust anchors ConfigMap, the injector's TLS
// Secret and the webhook's caBundle, and the Prometheus scrape configuration as a ConfigMap.
class InstallManifests {
 public:
  static std::vector<boost::json::value> build(const InstallOptions& options);
  // The text of one file of deploy/k8s as built in ("namespace.yaml", ...); empty if none.
  static std::string_view shippedFile(std::string_view name);
  // Their names, in the order install prints them.
  static const std::vector<std::string_view>& shippedManifests();
};

}  // namespace wasmesh::deploy
