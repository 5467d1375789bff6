#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/OpenSsl.h"

// Certificates and requests built with raw OpenSSL, independent of the code under test, so
// the checks can be shown ones this module would never make (two URI SANs, a CA leaf, an RSA
// key).
namespace wasmesh::identity::test {

using Clock = std::chrono::system_clock;
// (NID, value in OpenSSL's configuration syntax), e.g. {NID_key_usage, "digitalSignature"}.
using Extensions = std::vector<std::pair<int, std::string>>;

struct RawCertificate {
  RawCertificate(Extensions withExtensions = {}, std::string name = "test")  // NOLINT
      : extensions(std::move(withExtensions)), commonName(std::move(name)) {}

  Extensions extensions;
  std::string commonName;
  Clock::time_point notBefore = Clock::now() - std::chrono::hours(1);
  Clock::time_point notAfter = Clock::now() + std::chrono::hours(1);
  // Overrides notAfter with a time system_clock cannot hold, such as "99991231235959Z".
  std::string notAfterText;
};

EvpPkeyPtr ecKey();
EvpPkeyPtr rsaKey();

// Signed by `issuerKey` under `issuer`'s name, or self-signed when `issuer` is null.
std::string certificatePem(const RawCertificate& spec, EVP_PKEY* subjectKey, X509* issuer,
                           EVP_PKEY* issuerKey);
Certificate certificate(const RawCertificate& spec, EVP_PKEY* subjectKey, X509* issuer,
                        EVP_PKEY* issuerKey);

// A request with a SAN extension in configuration syntax ("URI:spiffe://td/x,DNS:a"), or
// none when `subjectAltNames` is empty; signed by `signer` if given (a bad signature).
std::string requestPem(EVP_PKEY* key, const std::string& subjectAltNames,
                       EVP_PKEY* signer = nullptr);

// The leaf profile of the mesh, for tests that change one thing about it.
Extensions leafExtensions(const std::string& subjectAltNames);
Extensions caExtensions();

}  // namespace wasmesh::identity::test
