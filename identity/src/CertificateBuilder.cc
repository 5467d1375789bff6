#include "CertificateBuilder.h"

#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "OpenSslSupport.h"

namespace wasmesh::identity::detail {
namespace {

// RFC 5280 allows 20 octets; 128 random bits make collisions and guessing irrelevant.
constexpr std::size_t kSerialBytes = 16;

Result<void> setRandomSerial(X509* x509) {
  std::array<unsigned char, kSerialBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return internalError();
  // Serial numbers must be positive; BN_bin2bn reads the bytes as unsigned, so only zero needs
  // care.
  if (std::all_of(bytes.begin(), bytes.end(), [](unsigned char b) { return b == 0; }))
    bytes.back() = 1;
  const BignumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!number)
    return internalError();
  const Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!serial || X509_set_serialNumber(x509, serial.get()) != 1)
    return internalError();
  return {};
}

}  // namespace

Result<CertificateBuilder> CertificateBuilder::start(const PublicKey& subjectKey,
                                                     const X509_NAME* subject, TimePoint notBefore,
                                                     TimePoint notAfter) {
  X509Ptr x509(X509_new());
  if (!x509 || X509_set_version(x509.get(), X509_VERSION_3) != 1)
    return internalError();
  if (auto serial = setRandomSerial(x509.get()); !serial)
    return serial.error();
  if (X509_set_subject_name(x509.get(), subject) != 1 ||
      X509_set_pubkey(x509.get(), subjectKey.native()) != 1) {
    return internalError();
  }
  if (auto set = setTime(X509_getm_notBefore(x509.get()), notBefore); !set)
    return set.error();
  if (auto set = setTime(X509_getm_notAfter(x509.get()), notAfter); !set)
    return set.error();
  return CertificateBuilder(std::move(x509));
}

Result<void> CertificateBuilder::addExtension(int nid, const char* value) {
  return addExtensionIssuedBy(nid, value, x509_.get());
}

Result<void> CertificateBuilder::addExtensionIssuedBy(int nid, const char* value, X509* issuer) {
  X509V3_CTX context{};
  X509V3_set_ctx(&context, issuer, x509_.get(), nullptr, nullptr, 0);
  const X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(x509_.get(), extension.get(), -1) != 1)
    return internalError();
  return {};
}

Result<void> CertificateBuilder::addSubjectAltNames(const std::vector<std::string>& uris,
                                                    const std::vector<std::string>& dns,
                                                    bool critical) {
  auto names = makeGeneralNames(uris, dns);
  if (!names)
    return names.error();
  if (X509_add1_ext_i2d(x509_.get(), NID_subject_alt_name, names->get(), critical ? 1 : 0,
                        X509V3_ADD_DEFAULT) != 1) {
    return internalError();
  }
  return {};
}

Result<Certificate> CertificateBuilder::sign(const Certificate* issuer,
                                             const PrivateKey& signingKey) && {
  X509* issuerX509 = issuer != nullptr ? issuer->native() : x509_.get();
  if (X509_set_issuer_name(x509_.get(), X509_get_subject_name(issuerX509)) != 1)
    return internalError();
  // The subject key identifier first: a self-signed certificate's authority key identifier
  // is computed from it.
  if (auto added = addExtensionIssuedBy(NID_subject_key_identifier, "hash", issuerX509); !added)
    return added.error();
  if (auto added = addExtensionIssuedBy(NID_authority_key_identifier, "keyid:always", issuerX509);
      !added) {
    return added.error();
  }
  if (X509_sign(x509_.get(), signingKey.native(), EVP_sha256()) <= 0)
    return internalError();
  return Certificate::fromNative(std::move(x509_));
}

Result<std::string> randomTag() {
  std::array<unsigned char, 4> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    return internalError();
  std::array<char, 2 * 4 + 1> hex{};
  std::snprintf(hex.data(), hex.size(), "%02x%02x%02x%02x", bytes[0], bytes[1], bytes[2], bytes[3]);
  return std::string(hex.data());
}

}  // namespace wasmesh::identity::detail
