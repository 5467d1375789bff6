#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/OpenSsl.h"
#include "wasmesh/identity/PublicKey.h"

namespace wasmesh::identity {

// An X.509 certificate that parsed and whose extensions OpenSSL could decode. Copies share
// the immutable OpenSSL object, so a chain can be handed to several TLS contexts cheaply.
class Certificate {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // A chain or a bundle is a handful of certificates; larger inputs are refused unparsed.
  static constexpr std::size_t kMaxPemBytes = std::size_t{64} * 1024;
  static constexpr std::size_t kMaxCertificates = 16;

  // Exactly one "CERTIFICATE" PEM block (errc::malformed_pem otherwise).
  static Result<Certificate> fromPem(std::string_view pem);
  // One DER certificate using every byte of the input.
  static Result<Certificate> fromDer(std::span<const std::uint8_t> der);
  // Adopts a certificate from OpenSSL (say, a TLS peer's), checking it like a parsed one.
  static Result<Certificate> fromNative(X509Ptr certificate);

  // SAN entries as they are encoded, with no validation (see checkLeafSvid for that).
  std::vector<std::string> uriSans() const;
  std::vector<std::string> dnsSans() const;
  // Upper-case hex without separators, as `openssl x509 -serial` prints it.
  std::string serialHex() const;
  // Clamped to what system_clock can represent (a notAfter of 9999-12-31 becomes its max).
  TimePoint notBefore() const noexcept { return notBefore_; }
  TimePoint notAfter() const noexcept { return notAfter_; }
  // basicConstraints CA:TRUE.
  bool isCa() const;
  // RFC 2253 form with control and non-ASCII bytes escaped, safe to print.
  std::string subject() const;
  std::string issuer() const;
  PublicKey publicKey() const;

  Result<std::string> toPem() const;

  // For OpenSSL calls (SSL_CTX_use_certificate and the like take their own reference);
  // valid while this object or a copy lives. Callers must not modify it.
  X509* native() const noexcept { return x509_.get(); }

 private:
  Certificate(std::shared_ptr<X509> x509, TimePoint notBefore, TimePoint notAfter)
      : x509_(std::move(x509)), notBefore_(notBefore), notAfter_(notAfter) {}

  std::shared_ptr<X509> x509_;
  TimePoint notBefore_;
  TimePoint notAfter_;
};

// One or more "CERTIFICATE" PEM blocks separated only by whitespace, in order; at most
// Certificate::kMaxPemBytes and kMaxCertificates. Anything else (trailing text, a truncated
// block, other PEM types) is errc::malformed_pem.
Result<std::vector<Certificate>> parsePemChain(std::string_view pem);

// The certificates' PEM blocks concatenated, in order.
Result<std::string> toPemChain(const std::vector<Certificate>& chain);

}  // namespace wasmesh::identity
