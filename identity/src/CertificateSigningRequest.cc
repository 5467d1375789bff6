#include "wasmesh/identity/CertificateSigningRequest.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "OpenSslSupport.h"
#include "Pem.h"
#include "wasmesh/identity/OpenSsl.h"

namespace wasmesh::identity {
namespace {

// The SAN extension of a request, if any. Several SAN extensions, or one that does not
// decode, make the request ambiguous: errc::invalid_csr.
Result<detail::SubjectAltNames> requestedNames(X509_REQ* request) {
  const X509ExtensionStackPtr extensions(X509_REQ_get_extensions(request));
  if (!extensions) {
    if (X509_REQ_get_attr_by_NID(request, NID_ext_req, -1) < 0)
      return detail::SubjectAltNames{};
    return errc::invalid_csr;
  }
  int critical = 0;
  const GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509V3_get_d2i(extensions.get(), NID_subject_alt_name, &critical, nullptr)));
  if (!names && critical != -1)
    return errc::invalid_csr;
  return detail::readGeneralNames(names.get());
}

}  // namespace

Result<CertificateSigningRequest> CertificateSigningRequest::create(const PrivateKey& key,
                                                                    const SpiffeId& id) {
  const OpenSslErrorScope errors;
  auto serverName = id.serverName();
  if (!serverName)
    return serverName.error();
  X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1)
    return detail::internalError();
  auto subject = detail::makeName({{"CN", *serverName}});
  if (!subject)
    return subject.error();
  if (X509_REQ_set_subject_name(request.get(), subject->get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key.native()) != 1) {
    return detail::internalError();
  }
  auto names = detail::makeGeneralNames({id.toString()}, {*serverName});
  if (!names)
    return names.error();
  STACK_OF(X509_EXTENSION)* added = nullptr;
  const int pushed =
      X509V3_add1_i2d(&added, NID_subject_alt_name, names->get(), 0, X509V3_ADD_DEFAULT);
  const X509ExtensionStackPtr extensions(added);
  if (pushed != 1 || X509_REQ_add_extensions(request.get(), extensions.get()) != 1 ||
      X509_REQ_sign(request.get(), key.native(), EVP_sha256()) <= 0) {
    return detail::internalError();
  }
  return checked(detail::share(std::move(request)));
}

Result<CertificateSigningRequest> CertificateSigningRequest::fromPem(std::string_view pem) {
  const OpenSslErrorScope errors;
  auto block = detail::readOnePemBlock(pem, kMaxPemBytes,
                                       {"CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"});
  if (!block)
    return block.error();
  auto request = detail::decodeWhole<X509ReqPtr>(block->der(), d2i_X509_REQ);
  if (!request)
    return errc::malformed_pem;
  return checked(detail::share(std::move(request)));
}

Result<CertificateSigningRequest> CertificateSigningRequest::checked(
    std::shared_ptr<X509_REQ> request) {
  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr || X509_REQ_verify(request.get(), key) != 1)
    return errc::invalid_csr;
  auto names = requestedNames(request.get());
  if (!names)
    return names.error();
  return CertificateSigningRequest(std::move(request), std::move(names->uris),
                                   std::move(names->dns));
}

Result<std::string> CertificateSigningRequest::toPem() const {
  const OpenSslErrorScope errors;
  auto bio = detail::writeBio();
  if (!bio)
    return bio.error();
  if (PEM_write_bio_X509_REQ(bio->get(), request_.get()) != 1)
    return detail::internalError();
  return detail::bioContents(bio->get());
}

PublicKey CertificateSigningRequest::publicKey() const {
  // checked() refused requests without a decodable key.
  return PublicKey::fromNative(X509_REQ_get0_pubkey(request_.get())).value();
}

}  // namespace wasmesh::identity
