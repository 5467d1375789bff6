#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/PrivateKey.h"

namespace wasmesh::identity {

// A plain TLS server certificate for DNS names, not a mesh identity: what the Kubernetes API
// server checks when it calls the admission webhook (the Service's DNS name, the CA given as
// the webhook's caBundle). A fresh self-signed CA signs one leaf and its key is thrown away,
// as `linkerd install` does for its webhooks.
struct ServingCertificate {
  Certificate ca;
  Certificate leaf;  // DNS SANs = the names, EKU serverAuth, ECDSA P-256
  PrivateKey key;

  // Valid from now - 60 s for `lifetime` (at most CertificateAuthority::kMaxLifetime). No
  // names, or a lifetime that is not positive, is errc::invalid_duration / invalid_svid.
  static Result<ServingCertificate> issue(
      const std::vector<std::string>& dnsNames, std::chrono::seconds lifetime,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
};

}  // namespace wasmesh::identity
