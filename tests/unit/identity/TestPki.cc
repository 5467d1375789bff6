#include "TestPki.h"

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace wasmesh::identity::test {
namespace {

void require(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(std::string("test PKI: ") + what);
}

std::string bioText(BIO* bio) {
  const std::size_t pending = BIO_ctrl_pending(bio);
  std::string out(pending, '\0');
  require(BIO_read(bio, out.data(), static_cast<int>(pending)) == static_cast<int>(pending),
          "BIO_read");
  return out;
}

void addExtension(X509* x509, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context{};
  X509V3_set_ctx(&context, issuer, x509, nullptr, nullptr, 0);
  const X509ExtensionPtr extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value.c_str()));
  require(extension && X509_add_ext(x509, extension.get(), -1) == 1, "extension");
}

}  // namespace

EvpPkeyPtr ecKey() {
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  require(context && EVP_PKEY_keygen_init(context.get()) == 1 &&
              EVP_PKEY_CTX_set_group_name(context.get(), "P-256") == 1 &&
              EVP_PKEY_generate(context.get(), &key) == 1,
          "EC key");
  return EvpPkeyPtr(key);
}

EvpPkeyPtr rsaKey() {
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  require(context && EVP_PKEY_keygen_init(context.get()) == 1 &&
              EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), 2048) == 1 &&
              EVP_PKEY_generate(context.get(), &key) == 1,
          "RSA key");
  return EvpPkeyPtr(key);
}

std::string certificatePem(const RawCertificate& spec, EVP_PKEY* subjectKey, X509* issuer,
                           EVP_PKEY* issuerKey) {
  const X509Ptr x509(X509_new());
  require(x509 && X509_set_version(x509.get(), X509_VERSION_3) == 1, "X509_new");
  unsigned char serial[8];
  require(RAND_bytes(serial, sizeof serial) == 1, "serial");
  serial[0] &= 0x7f;
  const BignumPtr number(BN_bin2bn(serial, sizeof serial, nullptr));
  const Asn1IntegerPtr integer(BN_to_ASN1_INTEGER(number.get(), nullptr));
  require(integer && X509_set_serialNumber(x509.get(), integer.get()) == 1, "serial");
  X509_NAME* name = X509_get_subject_name(x509.get());
  require(X509_NAME_add_entry_by_txt(
              name, "CN", MBSTRING_UTF8,
              reinterpret_cast<const unsigned char*>(spec.commonName.c_str()), -1, -1, 0) == 1,
          "subject");
  X509* signer = issuer != nullptr ? issuer : x509.get();
  require(X509_set_issuer_name(x509.get(), X509_get_subject_name(signer)) == 1 &&
              X509_set_pubkey(x509.get(), subjectKey) == 1,
          "issuer, key");
  require(ASN1_TIME_set(X509_getm_notBefore(x509.get()), Clock::to_time_t(spec.notBefore)) &&
              ASN1_TIME_set(X509_getm_notAfter(x509.get()), Clock::to_time_t(spec.notAfter)),
          "validity");
  if (!spec.notAfterText.empty()) {
    require(ASN1_TIME_set_string(X509_getm_notAfter(x509.get()), spec.notAfterText.c_str()) == 1,
            "notAfter");
  }
  addExtension(x509.get(), signer, NID_subject_key_identifier, "hash");
  addExtension(x509.get(), signer, NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : spec.extensions)
    addExtension(x509.get(), signer, nid, value);
  require(X509_sign(x509.get(), issuerKey, EVP_sha256()) > 0, "sign");
  const BioPtr bio(BIO_new(BIO_s_mem()));
  require(bio && PEM_write_bio_X509(bio.get(), x509.get()) == 1, "PEM");
  return bioText(bio.get());
}

Certificate certificate(const RawCertificate& spec, EVP_PKEY* subjectKey, X509* issuer,
                        EVP_PKEY* issuerKey) {
  return Certificate::fromPem(certificatePem(spec, subjectKey, issuer, issuerKey)).value();
}

std::string requestPem(EVP_PKEY* key, const std::string& subjectAltNames, EVP_PKEY* signer) {
  const X509ReqPtr request(X509_REQ_new());
  require(request && X509_REQ_set_pubkey(request.get(), key) == 1, "X509_REQ");
  if (!subjectAltNames.empty()) {
    X509V3_CTX context{};
    X509V3_set_ctx(&context, nullptr, nullptr, request.get(), nullptr, 0);
    X509ExtensionPtr extension(
        X509V3_EXT_nconf_nid(nullptr, &context, NID_subject_alt_name, subjectAltNames.c_str()));
    require(extension != nullptr, "SAN");
    STACK_OF(X509_EXTENSION)* extensions = sk_X509_EXTENSION_new_null();
    require(extensions != nullptr && sk_X509_EXTENSION_push(extensions, extension.get()) > 0,
            "SAN stack");
    static_cast<void>(extension.release());
    const X509ExtensionStackPtr owner(extensions);
    require(X509_REQ_add_extensions(request.get(), extensions) == 1, "extensions");
  }
  require(X509_REQ_sign(request.get(), signer != nullptr ? signer : key, EVP_sha256()) > 0, "sign");
  const BioPtr bio(BIO_new(BIO_s_mem()));
  require(bio && PEM_write_bio_X509_REQ(bio.get(), request.get()) == 1, "PEM");
  return bioText(bio.get());
}

Extensions leafExtensions(const std::string& subjectAltNames) {
  return {{NID_basic_constraints, "critical,CA:FALSE"},
          {NID_key_usage, "critical,digitalSignature"},
          {NID_ext_key_usage, "serverAuth,clientAuth"},
          {NID_subject_alt_name, subjectAltNames}};
}

Extensions caExtensions() {
  return {{NID_basic_constraints, "critical,CA:TRUE"},
          {NID_key_usage, "critical,keyCertSign,cRLSign"}};
}

}  // namespace wasmesh::identity::test
