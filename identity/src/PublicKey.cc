#include "wasmesh/identity/PublicKey.h"

#include <openssl/x509.h>

#include <climits>

#include "OpenSslSupport.h"
#include "wasmesh/identity/OpenSsl.h"

namespace wasmesh::identity {

Result<PublicKey> PublicKey::fromDer(std::span<const std::uint8_t> der) {
  const OpenSslErrorScope errors;
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
    return errc::malformed_pem;
  const unsigned char* cursor = der.data();
  EvpPkeyPtr key(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size())));
  if (!key || cursor != der.data() + der.size())
    return errc::malformed_pem;
  return PublicKey(detail::share(std::move(key)));
}

Result<PublicKey> PublicKey::fromNative(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_up_ref(key) != 1)
    return errc::malformed_pem;
  return PublicKey(detail::share(EvpPkeyPtr(key)));
}

Result<std::vector<std::uint8_t>> PublicKey::toDer() const {
  const OpenSslErrorScope errors;
  const int length = i2d_PUBKEY(key_.get(), nullptr);
  if (length <= 0)
    return detail::internalError();
  std::vector<std::uint8_t> der(static_cast<std::size_t>(length));
  unsigned char* cursor = der.data();
  if (i2d_PUBKEY(key_.get(), &cursor) != length)
    return detail::internalError();
  return der;
}

bool PublicKey::isEcP256() const {
  const OpenSslErrorScope errors;
  return detail::isEcP256(key_.get());
}

bool PublicKey::operator==(const PublicKey& other) const {
  const OpenSslErrorScope errors;
  return EVP_PKEY_eq(key_.get(), other.key_.get()) == 1;
}

}  // namespace wasmesh::identity
