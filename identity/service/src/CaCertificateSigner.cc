#include "wasmesh/identity/CaCertificateSigner.h"

#include "wasmesh/identity/CertificateSigningRequest.h"

namespace wasmesh::identity {

Result<CertificateResponse> CaCertificateSigner::sign(const SpiffeId& identity,
                                                      std::string_view csrPem) {
  const auto request = CertificateSigningRequest::fromPem(csrPem);
  if (!request)
    return errc::invalid_csr;
  const auto issued =
      authority_.issue(*request, identity, lifetime_, std::chrono::system_clock::now());
  if (!issued)
    return issued.error();
  auto leaf = issued->leaf.toPem();
  if (!leaf)
    return leaf.error();
  // The response separates the leaf from the intermediates the proxy must send with it.
  const std::vector<Certificate> intermediates(issued->chain.begin() + 1, issued->chain.end());
  auto chain = toPemChain(intermediates);
  if (!chain)
    return chain.error();
  return CertificateResponse{std::move(*leaf), std::move(*chain), issued->notAfter};
}

}  // namespace wasmesh::identity
