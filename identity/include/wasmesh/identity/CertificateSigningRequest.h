#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/PrivateKey.h"
#include "wasmesh/identity/PublicKey.h"
#include "wasmesh/identity/SpiffeId.h"

namespace wasmesh::identity {

// A PKCS#10 certificate signing request whose self-signature has been checked. It says which
// names the holder of the key asks for; CertificateAuthority decides what it gets.
class CertificateSigningRequest {
 public:
  static constexpr std::size_t kMaxPemBytes = std::size_t{16} * 1024;

  // URI SAN = `id`, DNS SAN = its server name, signed with `key`. An id without a server
  // name is errc::no_server_name.
  static Result<CertificateSigningRequest> create(const PrivateKey& key, const SpiffeId& id);
  // Exactly one "CERTIFICATE REQUEST" (or legacy "NEW CERTIFICATE REQUEST") PEM block of at
  // most kMaxPemBytes (errc::malformed_pem); a request whose signature does not verify with
  // its own key, or whose extensions do not decode, is errc::invalid_csr. Any key type
  // parses; the CA refuses the ones it does not sign.
  static Result<CertificateSigningRequest> fromPem(std::string_view pem);

  Result<std::string> toPem() const;
  std::vector<std::string> uriSans() const { return uriSans_; }
  std::vector<std::string> dnsSans() const { return dnsSans_; }
  PublicKey publicKey() const;

  X509_REQ* native() const noexcept { return request_.get(); }

 private:
  CertificateSigningRequest(std::shared_ptr<X509_REQ> request, std::vector<std::string> uriSans,
                            std::vector<std::string> dnsSans)
      : request_(std::move(request)), uriSans_(std::move(uriSans)), dnsSans_(std::move(dnsSans)) {}

  static Result<CertificateSigningRequest> checked(std::shared_ptr<X509_REQ> request);

  std::shared_ptr<X509_REQ> request_;
  std::vector<std::string> uriSans_;
  std::vector<std::string> dnsSans_;
};

}  // namespace wasmesh::identity
