#include "wasmesh/identity/ServingCertificate.h"

#include <openssl/x509v3.h>

#include "CertificateBuilder.h"
#include "OpenSslSupport.h"
#include "wasmesh/identity/CertificateAuthority.h"

namespace wasmesh::identity {
namespace {

constexpr std::chrono::seconds kClockSkew{60};

}  // namespace

Result<ServingCertificate> ServingCertificate::issue(const std::vector<std::string>& dnsNames,
                                                     std::chrono::seconds lifetime,
                                                     std::chrono::system_clock::time_point now) {
  const OpenSslErrorScope errors;
  if (lifetime <= std::chrono::seconds::zero() || lifetime > CertificateAuthority::kMaxLifetime)
    return errc::invalid_duration;
  if (dnsNames.empty())
    return errc::invalid_svid;
  auto caKey = PrivateKey::generate();
  auto leafKey = PrivateKey::generate();
  auto tag = detail::randomTag();
  if (!caKey || !leafKey || !tag)
    return detail::internalError();
  const auto notBefore = now - kClockSkew;
  const auto notAfter = now + lifetime;

  auto caName = detail::makeName({{"O", "wasmesh"}, {"CN", "wasmesh webhook CA " + *tag}});
  if (!caName)
    return caName.error();
  auto caBuilder =
      detail::CertificateBuilder::start(caKey->publicKey(), caName->get(), notBefore, notAfter);
  if (!caBuilder)
    return caBuilder.error();
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"}}) {
    if (auto added = caBuilder->addExtension(nid, value); !added)
      return added.error();
  }
  auto ca = std::move(*caBuilder).sign(nullptr, *caKey);
  if (!ca)
    return ca.error();

  auto leafName = detail::makeName({{"CN", dnsNames.front()}});
  if (!leafName)
    return leafName.error();
  auto leafBuilder =
      detail::CertificateBuilder::start(leafKey->publicKey(), leafName->get(), notBefore, notAfter);
  if (!leafBuilder)
    return leafBuilder.error();
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                                   std::pair{NID_key_usage, "critical,digitalSignature"},
                                   std::pair{NID_ext_key_usage, "serverAuth"}}) {
    if (auto added = leafBuilder->addExtension(nid, value); !added)
      return added.error();
  }
  if (auto added = leafBuilder->addSubjectAltNames({}, dnsNames, false); !added)
    return added.error();
  auto leaf = std::move(*leafBuilder).sign(&*ca, *caKey);
  if (!leaf)
    return leaf.error();
  return ServingCertificate{std::move(*ca), std::move(*leaf), std::move(*leafKey)};
}

}  // namespace wasmesh::identity
