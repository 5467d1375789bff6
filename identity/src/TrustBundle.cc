#include "wasmesh/identity/TrustBundle.h"

#include <openssl/x509_vfy.h>

#include "OpenSslSupport.h"
#include "wasmesh/identity/X509Svid.h"

namespace wasmesh::identity {
namespace {

errc verifyError(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return errc::certificate_expired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return errc::certificate_not_yet_valid;
    // A path was found but a certificate on it may not play its part there.
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_INVALID_NON_CA:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX:
    // X509_V_FLAG_X509_STRICT's own checks (see storeWith): a malformed certificate.
    case X509_V_ERR_SIGNATURE_ALGORITHM_INCONSISTENCY:
    case X509_V_ERR_PATHLEN_INVALID_FOR_NON_CA:
    case X509_V_ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN:
    case X509_V_ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA:
    case X509_V_ERR_ISSUER_NAME_EMPTY:
    case X509_V_ERR_SUBJECT_NAME_EMPTY:
    case X509_V_ERR_MISSING_AUTHORITY_KEY_IDENTIFIER:
    case X509_V_ERR_MISSING_SUBJECT_KEY_IDENTIFIER:
    case X509_V_ERR_EMPTY_SUBJECT_ALT_NAME:
    case X509_V_ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL:
    case X509_V_ERR_CA_BCONS_NOT_CRITICAL:
    case X509_V_ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL:
    case X509_V_ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL:
    case X509_V_ERR_CA_CERT_MISSING_KEY_USAGE:
    case X509_V_ERR_EXTENSIONS_REQUIRE_VERSION_3:
    case X509_V_ERR_EC_KEY_EXPLICIT_PARAMS:
      return errc::invalid_svid;
    // No issuer, a bad signature, a self-signed leaf, an anchor the store does not hold:
    // whatever else, the chain does not lead to a trusted root.
    default:
      return errc::untrusted_certificate;
  }
}

Result<X509StorePtr> storeWith(const std::vector<Certificate>& anchors) {
  X509StorePtr store(X509_STORE_new());
  if (!store)
    return detail::internalError();
  for (const auto& anchor : anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.native()) != 1)
      return detail::internalError();
  }
  // RFC 5280 strictly (malformed extensions, a CA without keyCertSign, bad key identifiers),
  // for the TLS handshakes (the store goes into the SSL_CTX) and verify() alike: the mesh
  // PKI is ours, so nothing legitimate needs leniency.
  if (X509_STORE_set_flags(store.get(), X509_V_FLAG_X509_STRICT) != 1)
    return detail::internalError();
  return store;
}

Result<X509StackPtr> untrustedStack(const std::vector<Certificate>& chain) {
  X509StackPtr stack(sk_X509_new_null());
  if (!stack)
    return detail::internalError();
  for (std::size_t i = 1; i < chain.size(); ++i) {
    if (X509_add_cert(stack.get(), chain[i].native(), X509_ADD_FLAG_UP_REF) != 1)
      return detail::internalError();
  }
  return stack;
}

// The intermediates of a verified path must be signing certificates by the X509-SVID rules,
// which are stricter than OpenSSL's (keyCertSign is required, not merely allowed).
Result<void> checkIntermediates(X509_STORE_CTX* context) {
  STACK_OF(X509)* path = X509_STORE_CTX_get0_chain(context);
  if (path == nullptr)
    return errc::untrusted_certificate;
  for (int i = 1; i < sk_X509_num(path); ++i) {
    X509* link = sk_X509_value(path, i);
    if (link == nullptr || X509_up_ref(link) != 1)
      return detail::internalError();
    auto certificate = Certificate::fromNative(X509Ptr(link));
    if (!certificate || !checkSigningCertificate(*certificate))
      return errc::invalid_svid;
  }
  return {};
}

}  // namespace

Result<TrustBundle> TrustBundle::fromPem(std::string_view pem) {
  const OpenSslErrorScope errors;
  auto anchors = parsePemChain(pem);
  if (!anchors)
    return anchors.error();
  return fromCertificates(std::move(*anchors));
}

Result<TrustBundle> TrustBundle::fromCertificates(std::vector<Certificate> anchors) {
  const OpenSslErrorScope errors;
  if (anchors.empty())
    return errc::malformed_pem;
  for (const auto& anchor : anchors) {
    if (!checkSigningCertificate(anchor) || X509_self_signed(anchor.native(), 1) != 1)
      return errc::invalid_svid;
  }
  auto store = storeWith(anchors);
  if (!store)
    return store.error();
  return TrustBundle(std::move(anchors), detail::share(std::move(*store)));
}

Result<SpiffeId> TrustBundle::verify(const std::vector<Certificate>& chain,
                                     std::chrono::system_clock::time_point at) const {
  const OpenSslErrorScope errors;
  if (chain.empty() || chain.size() > Certificate::kMaxCertificates)
    return errc::untrusted_certificate;
  auto untrusted = untrustedStack(chain);
  if (!untrusted)
    return untrusted.error();
  const X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), store_.get(), chain.front().native(),
                                      untrusted->get()) != 1) {
    return detail::internalError();
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context.get()),
                             static_cast<std::time_t>(seconds));
  if (X509_verify_cert(context.get()) != 1)
    return verifyError(X509_STORE_CTX_get_error(context.get()));
  if (auto intermediates = checkIntermediates(context.get()); !intermediates)
    return intermediates.error();
  return checkLeafSvid(chain.front());
}

Result<X509StorePtr> TrustBundle::newStore() const {
  const OpenSslErrorScope errors;
  return storeWith(anchors_);
}

}  // namespace wasmesh::identity
