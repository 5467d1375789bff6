#include "wasmesh/identity/CertificateAuthority.h"

#include <openssl/crypto.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "CertificateBuilder.h"
#include "OpenSslSupport.h"
#include "wasmesh/identity/IdentityFiles.h"
#include "wasmesh/identity/X509Svid.h"

namespace wasmesh::identity {
namespace {

using Clock = std::chrono::system_clock;
namespace fs = std::filesystem;

// Clocks of the issuer and the workloads disagree by a few seconds; a leaf must not start
// "not yet valid" on a peer that is slightly behind.
constexpr std::chrono::seconds kClockSkew{60};
constexpr std::string_view kOrganization = "wasmesh";

Result<std::string> trustDomainOf(std::string_view trustDomain) {
  auto id = SpiffeId::parse("spiffe://" + std::string(trustDomain));
  if (!id || !id->segments().empty())
    return errc::invalid_spiffe_id;
  return id->trustDomain();
}

// The trust domain a signing certificate names in its URI SAN, if it names exactly one.
Result<std::string> trustDomainFromSan(const Certificate& certificate) {
  const auto uris = certificate.uriSans();
  if (uris.size() != 1)
    return errc::invalid_svid;
  auto id = SpiffeId::parse(uris.front());
  if (!id || !id->segments().empty())
    return errc::invalid_svid;
  return id->trustDomain();
}

Result<void> checkLifetime(std::chrono::seconds lifetime) {
  if (lifetime <= std::chrono::seconds::zero() || lifetime > CertificateAuthority::kMaxLifetime)
    return errc::invalid_duration;
  return {};
}

Result<Certificate> makeSigningCertificate(const std::string& trustDomain,
                                           const std::string& commonName,
                                           const PrivateKey& subjectKey, const char* constraints,
                                           Clock::time_point notBefore, Clock::time_point notAfter,
                                           const Certificate* issuer,
                                           const PrivateKey& signingKey) {
  auto name = detail::makeName({{"O", kOrganization}, {"CN", commonName}});
  if (!name)
    return name.error();
  auto builder =
      detail::CertificateBuilder::start(subjectKey.publicKey(), name->get(), notBefore, notAfter);
  if (!builder)
    return builder.error();
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, constraints},
                                   std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"}}) {
    if (auto added = builder->addExtension(nid, value); !added)
      return added.error();
  }
  if (auto added = builder->addSubjectAltNames({"spiffe://" + trustDomain}, {}, false); !added)
    return added.error();
  return std::move(*builder).sign(issuer, signingKey);
}

// Root and issuer as they must be however they were made; `trustDomain` from the issuer.
Result<std::string> checkPair(const Certificate& root, const Certificate& issuer) {
  if (!checkSigningCertificate(root) || X509_self_signed(root.native(), 1) != 1)
    return errc::invalid_svid;
  if (!checkSigningCertificate(issuer))
    return errc::invalid_svid;
  if (X509_check_issued(root.native(), issuer.native()) != X509_V_OK ||
      X509_verify(issuer.native(), X509_get0_pubkey(root.native())) != 1) {
    return errc::untrusted_certificate;
  }
  auto trustDomain = trustDomainFromSan(issuer);
  if (!trustDomain)
    return trustDomain.error();
  // A root without a URI SAN is allowed (it is only an anchor); one with a SAN must agree.
  if (!root.uriSans().empty()) {
    auto rootDomain = trustDomainFromSan(root);
    if (!rootDomain || *rootDomain != *trustDomain)
      return errc::invalid_svid;
  }
  return trustDomain;
}

[[noreturn]] void fileError(const fs::path& path, const std::string& what) {
  throw FileError(path.string() + ": " + what);
}

}  // namespace

Result<CertificateAuthority> CertificateAuthority::init(std::string_view trustDomain,
                                                        std::chrono::seconds lifetime,
                                                        Clock::time_point now) {
  const OpenSslErrorScope errors;
  auto domain = trustDomainOf(trustDomain);
  if (!domain)
    return domain.error();
  if (auto valid = checkLifetime(lifetime); !valid)
    return valid.error();
  auto rootKey = PrivateKey::generate();
  auto issuerKey = PrivateKey::generate();
  auto tag = detail::randomTag();
  if (!rootKey || !issuerKey || !tag)
    return detail::internalError();
  const auto notBefore = now - kClockSkew;
  const auto notAfter = now + lifetime;
  // The root may sign the issuer only; the issuer signs leaves only.
  auto root =
      makeSigningCertificate(*domain, "wasmesh root CA " + *tag, *rootKey,
                             "critical,CA:TRUE,pathlen:1", notBefore, notAfter, nullptr, *rootKey);
  if (!root)
    return root.error();
  auto issuer =
      makeSigningCertificate(*domain, "wasmesh issuer " + *tag, *issuerKey,
                             "critical,CA:TRUE,pathlen:0", notBefore, notAfter, &*root, *rootKey);
  if (!issuer)
    return issuer.error();
  return CertificateAuthority(std::move(*domain), std::move(*root), std::move(*issuer),
                              std::move(*issuerKey));
}

Result<CertificateAuthority> CertificateAuthority::fromPem(std::string_view root,
                                                           std::string_view issuer,
                                                           std::string_view issuerKey) {
  const OpenSslErrorScope errors;
  auto rootCertificate = Certificate::fromPem(root);
  if (!rootCertificate)
    return rootCertificate.error();
  auto issuerCertificate = Certificate::fromPem(issuer);
  if (!issuerCertificate)
    return issuerCertificate.error();
  auto key = PrivateKey::fromPem(issuerKey);
  if (!key)
    return key.error();
  auto trustDomain = checkPair(*rootCertificate, *issuerCertificate);
  if (!trustDomain)
    return trustDomain.error();
  if (!key->matches(*issuerCertificate))
    return errc::key_mismatch;
  return CertificateAuthority(std::move(*trustDomain), std::move(*rootCertificate),
                              std::move(*issuerCertificate), std::move(*key));
}

CertificateAuthority CertificateAuthority::load(const fs::path& directory) {
  const OpenSslErrorScope errors;
  const auto rootPath = directory / kRootFile;
  const auto issuerPath = directory / kIssuerFile;
  const auto keyPath = directory / kIssuerKeyFile;
  auto root = Certificate::fromPem(readTextFile(rootPath, Certificate::kMaxPemBytes));
  if (!root)
    fileError(rootPath, root.error().message() + " (one certificate expected)");
  auto issuer = Certificate::fromPem(readTextFile(issuerPath, Certificate::kMaxPemBytes));
  if (!issuer)
    fileError(issuerPath, issuer.error().message() + " (one certificate expected)");
  auto keyText = readTextFile(keyPath, PrivateKey::kMaxPemBytes);
  auto key = PrivateKey::fromPem(keyText);
  OPENSSL_cleanse(keyText.data(), keyText.size());
  if (!key)
    fileError(keyPath, "is not an unencrypted ECDSA P-256 private key in PEM");
  if (!checkSigningCertificate(*root) || X509_self_signed(root->native(), 1) != 1)
    fileError(rootPath, "is not a self-signed CA certificate with keyCertSign");
  auto trustDomain = checkPair(*root, *issuer);
  if (!trustDomain) {
    fileError(issuerPath, trustDomain.error() == errc::untrusted_certificate
                              ? "is not signed by " + rootPath.string()
                              : "is not a CA certificate with keyCertSign and one URI SAN "
                                "spiffe://<trust-domain>");
  }
  if (!key->matches(*issuer))
    fileError(keyPath, "is not the key of " + issuerPath.string());
  return {std::move(*trustDomain), std::move(*root), std::move(*issuer), std::move(*key)};
}

void CertificateAuthority::save(const fs::path& directory, bool overwrite) const {
  const OpenSslErrorScope errors;
  const auto rootPath = directory / kRootFile;
  const auto issuerPath = directory / kIssuerFile;
  const auto keyPath = directory / kIssuerKeyFile;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error)
    fileError(directory, "cannot create directory: " + error.message());
  if (!overwrite) {
    for (const auto& path : {rootPath, issuerPath, keyPath}) {
      if (fs::exists(fs::symlink_status(path, error)))
        fileError(path, "already exists");
    }
  }
  auto rootPem = root_.toPem();
  auto issuerPem = issuer_.toPem();
  auto keyPem = issuerKey_.toPem();
  if (!rootPem || !issuerPem || !keyPem)
    throw FileError(directory.string() + ": cannot encode the CA as PEM");
  constexpr auto kPublic = fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                           fs::perms::others_read;
  constexpr auto kPrivate = fs::perms::owner_read | fs::perms::owner_write;
  // The key goes last: a crash part-way leaves certificates without a key, which load
  // refuses, rather than a key nobody has the certificate of.
  writeFileAtomically(rootPath, *rootPem, kPublic, overwrite);
  writeFileAtomically(issuerPath, *issuerPem, kPublic, overwrite);
  writeFileAtomically(keyPath, *keyPem, kPrivate, overwrite);
  OPENSSL_cleanse(keyPem->data(), keyPem->size());
}

Result<IssuedCertificate> CertificateAuthority::issue(const CertificateSigningRequest& request,
                                                      const SpiffeId& expected,
                                                      std::chrono::seconds lifetime,
                                                      Clock::time_point now) const {
  const OpenSslErrorScope errors;
  auto serverName = expected.serverName();
  if (!serverName)
    return serverName.error();
  const auto uris = request.uriSans();
  if (uris.size() != 1 || uris.front() != expected.toString())
    return errc::invalid_csr;
  const auto dns = request.dnsSans();
  if (!std::all_of(dns.begin(), dns.end(), [&](const auto& name) { return name == *serverName; }))
    return errc::invalid_csr;
  return issueForKey(request.publicKey(), expected, lifetime, now);
}

Result<IssuedCertificate> CertificateAuthority::issueForKey(const PublicKey& key,
                                                            const SpiffeId& id,
                                                            std::chrono::seconds lifetime,
                                                            Clock::time_point now) const {
  const OpenSslErrorScope errors;
  auto serverName = id.serverName();
  if (!serverName)
    return serverName.error();
  if (!key.isEcP256() || id.trustDomain() != trustDomain_)
    return errc::invalid_csr;
  if (auto valid = checkLifetime(lifetime); !valid)
    return valid.error();
  const auto validFrom = std::max(issuer_.notBefore(), root_.notBefore());
  const auto validUntil = std::min(issuer_.notAfter(), root_.notAfter());
  if (now < validFrom)
    return errc::certificate_not_yet_valid;
  if (now >= validUntil)
    return errc::certificate_expired;
  const auto notBefore = std::max(now - kClockSkew, validFrom);
  const auto notAfter = now + lifetime < validUntil ? now + lifetime : validUntil;
  // Server names over 64 characters do not fit a CN; RFC 5280 then wants the SAN critical.
  auto subject = detail::makeName({{"CN", *serverName}});
  if (!subject)
    return subject.error();
  const bool emptySubject = X509_NAME_entry_count(subject->get()) == 0;
  auto builder = detail::CertificateBuilder::start(key, subject->get(), notBefore, notAfter);
  if (!builder)
    return builder.error();
  for (const auto& [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                                   std::pair{NID_key_usage, "critical,digitalSignature"},
                                   std::pair{NID_ext_key_usage, "serverAuth,clientAuth"}}) {
    if (auto added = builder->addExtension(nid, value); !added)
      return added.error();
  }
  if (auto added = builder->addSubjectAltNames({id.toString()}, {*serverName}, emptySubject);
      !added) {
    return added.error();
  }
  auto leaf = std::move(*builder).sign(&issuer_, issuerKey_);
  if (!leaf)
    return leaf.error();
  const auto leafNotAfter = leaf->notAfter();
  std::vector<Certificate> chain{*leaf, issuer_};
  return IssuedCertificate{std::move(*leaf), std::move(chain), leafNotAfter};
}

Result<TrustBundle> CertificateAuthority::trustBundle() const {
  const OpenSslErrorScope errors;
  return TrustBundle::fromCertificates({root_});
}

}  // namespace wasmesh::identity
