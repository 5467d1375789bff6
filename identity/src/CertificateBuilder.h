#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/OpenSsl.h"
#include "wasmesh/identity/PrivateKey.h"
#include "wasmesh/identity/PublicKey.h"

namespace wasmesh::identity::detail {

// Assembles one X.509 v3 certificate: random 128-bit serial, subject, key, validity, then
// extensions, then the key identifiers and the signature (ECDSA with SHA-256).
class CertificateBuilder {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  static Result<CertificateBuilder> start(const PublicKey& subjectKey, const X509_NAME* subject,
                                          TimePoint notBefore, TimePoint notAfter);

  // An extension in OpenSSL's configuration syntax ("critical,CA:TRUE"); only fixed strings
  // are passed here, never input.
  Result<void> addExtension(int nid, const char* value);
  Result<void> addSubjectAltNames(const std::vector<std::string>& uris,
                                  const std::vector<std::string>& dns, bool critical);

  // `issuer` null: self-signed with `signingKey`, which must then be the subject's key.
  Result<Certificate> sign(const Certificate* issuer, const PrivateKey& signingKey) &&;

 private:
  explicit CertificateBuilder(X509Ptr x509) : x509_(std::move(x509)) {}

  Result<void> addExtensionIssuedBy(int nid, const char* value, X509* issuer);

  X509Ptr x509_;
};

// Random 32-bit tag in hex, to keep the names of CAs made in the same second apart.
Result<std::string> randomTag();

}  // namespace wasmesh::identity::detail
