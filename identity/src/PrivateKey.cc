#include "wasmesh/identity/PrivateKey.h"

#include <openssl/pem.h>

#include "OpenSslSupport.h"
#include "Pem.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/OpenSsl.h"

namespace wasmesh::identity {

Result<PrivateKey> PrivateKey::generate() {
  const OpenSslErrorScope errors;
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_group_name(context.get(), "P-256") != 1) {
    return detail::internalError();
  }
  EVP_PKEY* generated = nullptr;
  if (EVP_PKEY_generate(context.get(), &generated) != 1)
    return detail::internalError();
  return PrivateKey(detail::share(EvpPkeyPtr(generated)));
}

Result<PrivateKey> PrivateKey::fromPem(std::string_view pem) {
  const OpenSslErrorScope errors;
  auto block = detail::readOnePemBlock(pem, kMaxPemBytes, {"PRIVATE KEY", "EC PRIVATE KEY"});
  if (!block)
    return block.error();
  // d2i_AutoPrivateKey tells PKCS#8 from SEC 1 by the structure; the label was checked above.
  auto key = detail::decodeWhole<EvpPkeyPtr>(block->der(), d2i_AutoPrivateKey);
  if (!key || !detail::isEcP256(key.get()))
    return errc::malformed_pem;
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!context || EVP_PKEY_pairwise_check(context.get()) != 1)
    return errc::malformed_pem;
  return PrivateKey(detail::share(std::move(key)));
}

Result<std::string> PrivateKey::toPem() const {
  const OpenSslErrorScope errors;
  auto bio = detail::writeBio();
  if (!bio)
    return bio.error();
  if (PEM_write_bio_PKCS8PrivateKey(bio->get(), key_.get(), nullptr, nullptr, 0, nullptr,
                                    nullptr) != 1) {
    return detail::internalError();
  }
  return detail::bioContents(bio->get());
}

PublicKey PrivateKey::publicKey() const {
  // Cannot fail: the key is held, so taking another reference to it succeeds.
  return PublicKey::fromNative(key_.get()).value();
}

Result<std::vector<std::uint8_t>> PrivateKey::publicKeyDer() const {
  return publicKey().toDer();
}

bool PrivateKey::matches(const Certificate& certificate) const {
  const OpenSslErrorScope errors;
  const EVP_PKEY* certified = X509_get0_pubkey(certificate.native());
  return certified != nullptr && EVP_PKEY_eq(certified, key_.get()) == 1;
}

}  // namespace wasmesh::identity
