#include "wasmesh/identity/Certificate.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "OpenSslSupport.h"
#include "Pem.h"

namespace wasmesh::identity {
namespace {

constexpr std::string_view kLabel = "CERTIFICATE";

detail::SubjectAltNames subjectAltNames(X509* x509) {
  int critical = 0;
  const GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x509, NID_subject_alt_name, &critical, nullptr)));
  return detail::readGeneralNames(names.get());
}

Result<std::string> nameText(const X509_NAME* name) {
  auto bio = detail::writeBio();
  if (!bio)
    return bio.error();
  if (X509_NAME_print_ex(bio->get(), name, 0, XN_FLAG_RFC2253) < 0)
    return errc::malformed_pem;
  return detail::bioContents(bio->get());
}

Result<Certificate> fromBlock(const detail::PemBlock& block) {
  if (block.label() != kLabel)
    return errc::malformed_pem;
  return Certificate::fromDer(block.der());
}

}  // namespace

Result<Certificate> Certificate::fromPem(std::string_view pem) {
  const OpenSslErrorScope errors;
  auto block = detail::readOnePemBlock(pem, kMaxPemBytes, {kLabel});
  if (!block)
    return block.error();
  return fromBlock(*block);
}

Result<Certificate> Certificate::fromDer(std::span<const std::uint8_t> der) {
  const OpenSslErrorScope errors;
  if (der.empty() || der.size() > kMaxPemBytes)
    return errc::malformed_pem;
  const unsigned char* cursor = der.data();
  X509Ptr x509(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!x509 || cursor != der.data() + der.size())
    return errc::malformed_pem;
  return fromNative(std::move(x509));
}

Result<Certificate> Certificate::fromNative(X509Ptr certificate) {
  const OpenSslErrorScope errors;
  if (!certificate)
    return errc::malformed_pem;
  // Decoding the extensions once here (OpenSSL caches them) means no accessor below meets a
  // duplicate or undecodable extension later.
  if ((X509_get_extension_flags(certificate.get()) & EXFLAG_INVALID) != 0 ||
      X509_get0_pubkey(certificate.get()) == nullptr) {
    return errc::malformed_pem;
  }
  auto notBefore = detail::toTimePoint(X509_get0_notBefore(certificate.get()));
  auto notAfter = detail::toTimePoint(X509_get0_notAfter(certificate.get()));
  if (!notBefore || !notAfter)
    return errc::malformed_pem;
  return Certificate(detail::share(std::move(certificate)), *notBefore, *notAfter);
}

std::vector<std::string> Certificate::uriSans() const {
  const OpenSslErrorScope errors;
  return subjectAltNames(x509_.get()).uris;
}

std::vector<std::string> Certificate::dnsSans() const {
  const OpenSslErrorScope errors;
  return subjectAltNames(x509_.get()).dns;
}

std::string Certificate::serialHex() const {
  const OpenSslErrorScope errors;
  auto hex = detail::serialToHex(X509_get0_serialNumber(x509_.get()));
  return hex ? std::move(*hex) : std::string();
}

bool Certificate::isCa() const {
  return (X509_get_extension_flags(x509_.get()) & EXFLAG_CA) != 0;
}

std::string Certificate::subject() const {
  const OpenSslErrorScope errors;
  auto text = nameText(X509_get_subject_name(x509_.get()));
  return text ? std::move(*text) : std::string();
}

std::string Certificate::issuer() const {
  const OpenSslErrorScope errors;
  auto text = nameText(X509_get_issuer_name(x509_.get()));
  return text ? std::move(*text) : std::string();
}

PublicKey Certificate::publicKey() const {
  // fromNative refused certificates without a decodable key.
  return PublicKey::fromNative(X509_get0_pubkey(x509_.get())).value();
}

Result<std::string> Certificate::toPem() const {
  const OpenSslErrorScope errors;
  auto bio = detail::writeBio();
  if (!bio)
    return bio.error();
  if (PEM_write_bio_X509(bio->get(), x509_.get()) != 1)
    return detail::internalError();
  return detail::bioContents(bio->get());
}

Result<std::vector<Certificate>> parsePemChain(std::string_view pem) {
  const OpenSslErrorScope errors;
  auto blocks =
      detail::readPemBlocks(pem, Certificate::kMaxPemBytes, Certificate::kMaxCertificates);
  if (!blocks)
    return blocks.error();
  std::vector<Certificate> chain;
  chain.reserve(blocks->size());
  for (const auto& block : *blocks) {
    auto certificate = fromBlock(block);
    if (!certificate)
      return certificate.error();
    chain.push_back(std::move(*certificate));
  }
  return chain;
}

Result<std::string> toPemChain(const std::vector<Certificate>& chain) {
  std::string out;
  for (const auto& certificate : chain) {
    auto pem = certificate.toPem();
    if (!pem)
      return pem.error();
    out += *pem;
  }
  return out;
}

}  // namespace wasmesh::identity
