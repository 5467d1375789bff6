#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/OpenSsl.h"
#include "wasmesh/identity/SpiffeId.h"

namespace wasmesh::identity {

// The trust anchors of a trust domain: one root normally, the old and the new one while a
// root is being rotated. Immutable after construction; verify may be called from any thread.
class TrustBundle {
 public:
  // Every anchor must be a self-signed signing certificate (CA:TRUE, keyCertSign), else
  // errc::invalid_svid; PEM errors are errc::malformed_pem.
  static Result<TrustBundle> fromPem(std::string_view pem);
  static Result<TrustBundle> fromCertificates(std::vector<Certificate> anchors);

  const std::vector<Certificate>& anchors() const noexcept { return anchors_; }

  // `chain` is the leaf first, then any intermediates, as a TLS peer sends it. Builds a path
  // to one of the anchors as of `at` and checks every link, then the leaf's X509-SVID rules.
  // Errors: certificate_expired or certificate_not_yet_valid (any certificate on the path),
  // untrusted_certificate (no path, a bad signature), invalid_svid (a path that breaks the
  // CA or SVID rules). The caller compares the returned ID with the one it expected.
  Result<SpiffeId> verify(const std::vector<Certificate>& chain,
                          std::chrono::system_clock::time_point at) const;

  // A new store holding the anchors, for SSL_CTX_set1_verify_cert_store or
  // SSL_CTX_set_cert_store; the caller owns it and may change its parameters.
  Result<X509StorePtr> newStore() const;

 private:
  TrustBundle(std::vector<Certificate> anchors, std::shared_ptr<X509_STORE> store)
      : anchors_(std::move(anchors)), store_(std::move(store)) {}

  std::vector<Certificate> anchors_;
  // Shared by verify calls; X509_STORE locks its own lookups.
  std::shared_ptr<X509_STORE> store_;
};

}  // namespace wasmesh::identity
