#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "wasmesh/common/Error.h"

namespace wasmesh::identity {

// A public key of any algorithm, as found in a certificate or a CSR. Copies share the
// immutable OpenSSL key.
class PublicKey {
 public:
  // A DER SubjectPublicKeyInfo; the whole input must be one key (errc::malformed_pem).
  static Result<PublicKey> fromDer(std::span<const std::uint8_t> der);
  // Takes a reference of its own; null gives errc::malformed_pem.
  static Result<PublicKey> fromNative(EVP_PKEY* key);

  // The DER SubjectPublicKeyInfo.
  Result<std::vector<std::uint8_t>> toDer() const;

  // The only key type the mesh issues certificates for: ECDSA on the named curve P-256
  // (not explicit curve parameters), with a point that is on the curve.
  bool isEcP256() const;

  bool operator==(const PublicKey& other) const;

  // For OpenSSL calls; valid while this object (or a copy) lives.
  EVP_PKEY* native() const noexcept { return key_.get(); }

 private:
  explicit PublicKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}

  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace wasmesh::identity
