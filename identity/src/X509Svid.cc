#include "wasmesh/identity/X509Svid.h"

#include <openssl/x509v3.h>

#include "wasmesh/identity/OpenSsl.h"

namespace wasmesh::identity {
namespace {

struct KeyUsage {
  bool present = false;
  std::uint32_t bits = 0;
};

KeyUsage keyUsage(const Certificate& certificate) {
  X509* x509 = certificate.native();
  if ((X509_get_extension_flags(x509) & EXFLAG_KUSAGE) == 0)
    return {};
  return {true, X509_get_key_usage(x509)};
}

}  // namespace

Result<SpiffeId> checkLeafSvid(const Certificate& certificate) {
  const OpenSslErrorScope errors;
  const auto uris = certificate.uriSans();
  if (uris.size() != 1)
    return errc::invalid_svid;
  auto id = SpiffeId::parse(uris.front());
  if (!id)
    return errc::invalid_svid;
  if (certificate.isCa())
    return errc::invalid_svid;
  const auto usage = keyUsage(certificate);
  if (!usage.present || (usage.bits & KU_DIGITAL_SIGNATURE) == 0 ||
      (usage.bits & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0) {
    return errc::invalid_svid;
  }
  return id;
}

Result<void> checkSigningCertificate(const Certificate& certificate) {
  const OpenSslErrorScope errors;
  const auto usage = keyUsage(certificate);
  if (!certificate.isCa() || !usage.present || (usage.bits & KU_KEY_CERT_SIGN) == 0)
    return errc::invalid_svid;
  return {};
}

}  // namespace wasmesh::identity
