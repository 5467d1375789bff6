#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/PublicKey.h"

namespace wasmesh::identity {

class Certificate;

// An ECDSA P-256 private key, the only kind the mesh uses. Copies share the immutable
// OpenSSL key.
class PrivateKey {
 public:
  // Keys are small; a larger input is refused before it is parsed.
  static constexpr std::size_t kMaxPemBytes = std::size_t{16} * 1024;

  static Result<PrivateKey> generate();
  // One unencrypted "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC 1) PEM block and nothing
  // else; errc::malformed_pem for anything else, including keys that are not P-256.
  static Result<PrivateKey> fromPem(std::string_view pem);

  // Unencrypted PKCS#8 PEM. The caller decides where it may be written (mode 0600).
  Result<std::string> toPem() const;
  PublicKey publicKey() const;
  // The DER SubjectPublicKeyInfo of the public half.
  Result<std::vector<std::uint8_t>> publicKeyDer() const;

  // Whether `certificate` carries this key's public half.
  bool matches(const Certificate& certificate) const;

  EVP_PKEY* native() const noexcept { return key_.get(); }

 private:
  explicit PrivateKey(std::shared_ptr<EVP_PKEY> key) : key_(std::move(key)) {}

  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace wasmesh::identity
