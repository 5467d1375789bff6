#pragma once

#include <chrono>

#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/IdentityServer.h"

namespace wasmesh::identity {

// The identity service's signer: the CA checks the CSR (signature, P-256 key, SANs equal
// to the identity) and clamps the lifetime to its issuer's.
class CaCertificateSigner final : public CertificateSigner {
 public:
  CaCertificateSigner(const CertificateAuthority& authority, std::chrono::seconds lifetime)
      : authority_(authority), lifetime_(lifetime) {}

  Result<CertificateResponse> sign(const SpiffeId& identity, std::string_view csrPem) override;

 private:
  const CertificateAuthority& authority_;
  std::chrono::seconds lifetime_;
};

}  // namespace wasmesh::identity
