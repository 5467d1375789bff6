#pragma once

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <boost/system/errc.hpp>
#include <chrono>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/OpenSsl.h"

// Helpers private to the identity module.
namespace wasmesh::identity::detail {

// OpenSSL calls on objects this module built (not on input) fail only when memory runs out.
inline boost::system::error_code internalError() noexcept {
  return make_error_code(boost::system::errc::not_enough_memory);
}

template <typename T, typename Deleter>
std::shared_ptr<T> share(std::unique_ptr<T, Deleter> owned) {
  return std::shared_ptr<T>(std::move(owned));
}

// A read-only BIO over `text`, which must outlive it.
Result<BioPtr> readBio(std::string_view text);
Result<BioPtr> writeBio();
// Everything written to a memory BIO.
Result<std::string> bioContents(BIO* bio);

// ASN1_TIME (UTCTime or GeneralizedTime) to system_clock, clamped to the clock's range.
Result<std::chrono::system_clock::time_point> toTimePoint(const ASN1_TIME* time);
Result<void> setTime(ASN1_TIME* target, std::chrono::system_clock::time_point at);

bool isEcP256(EVP_PKEY* key);

struct SubjectAltNames {
  std::vector<std::string> uris;
  std::vector<std::string> dns;
};
SubjectAltNames readGeneralNames(const GENERAL_NAMES* names);
Result<GeneralNamesPtr> makeGeneralNames(const std::vector<std::string>& uris,
                                         const std::vector<std::string>& dns);

// A distinguished name of (short attribute name, value) pairs in order. Values longer than
// the X.520 upper bound of 64 characters are left out rather than refused: names carry
// nothing the mesh relies on, the SANs do.
Result<X509NamePtr> makeName(std::initializer_list<std::pair<const char*, std::string_view>> rdns);

// Upper-case hex of a serial number.
Result<std::string> serialToHex(const ASN1_INTEGER* serial);

}  // namespace wasmesh::identity::detail
