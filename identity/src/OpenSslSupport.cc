#include "OpenSslSupport.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include <array>
#include <climits>
#include <ctime>

namespace wasmesh::identity::detail {
namespace {

using Clock = std::chrono::system_clock;

struct OpenSslStringDeleter {
  void operator()(char* text) const noexcept { OPENSSL_free(text); }
};

Result<std::string> asn1String(const ASN1_STRING* text) {
  const int length = ASN1_STRING_length(text);
  const unsigned char* data = ASN1_STRING_get0_data(text);
  if (length < 0 || (length > 0 && data == nullptr))
    return errc::malformed_pem;
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
}

Result<void> pushName(GENERAL_NAMES* names, int type, const std::string& value) {
  if (value.size() > INT_MAX)
    return errc::invalid_svid;
  Asn1StringPtr text(ASN1_IA5STRING_new());
  if (!text || ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1)
    return internalError();
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name)
    return internalError();
  GENERAL_NAME_set0_value(name.get(), type, text.release());
  if (sk_GENERAL_NAME_push(names, name.get()) <= 0)
    return internalError();
  static_cast<void>(name.release());  // the stack owns it now
  return {};
}

}  // namespace

Result<BioPtr> readBio(std::string_view text) {
  if (text.size() > INT_MAX)
    return errc::malformed_pem;
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio)
    return internalError();
  return bio;
}

Result<BioPtr> writeBio() {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio)
    return internalError();
  return bio;
}

Result<std::string> bioContents(BIO* bio) {
  const std::size_t pending = BIO_ctrl_pending(bio);
  if (pending > INT_MAX)
    return internalError();
  std::string out(pending, '\0');
  if (pending > 0 &&
      BIO_read(bio, out.data(), static_cast<int>(pending)) != static_cast<int>(pending)) {
    return internalError();
  }
  return out;
}

Result<Clock::time_point> toTimePoint(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1)
    return errc::malformed_pem;
  // Civil-from-days by hand: timegm is not standard and mktime reads the local zone.
  const std::chrono::year_month_day date{
      std::chrono::year{parts.tm_year + 1900},
      std::chrono::month{static_cast<unsigned>(parts.tm_mon + 1)},
      std::chrono::day{static_cast<unsigned>(parts.tm_mday)}};
  if (!date.ok())
    return errc::malformed_pem;
  const auto seconds = std::chrono::sys_days{date}.time_since_epoch() +
                       std::chrono::hours{parts.tm_hour} + std::chrono::minutes{parts.tm_min} +
                       std::chrono::seconds{parts.tm_sec};
  // system_clock counts nanoseconds in 64 bits: it ends in 2262, before X.509's 9999.
  const auto limit = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::max());
  const auto floor = std::chrono::duration_cast<std::chrono::seconds>(Clock::duration::min());
  if (seconds >= limit)
    return Clock::time_point::max();
  if (seconds <= floor)
    return Clock::time_point::min();
  return Clock::time_point{std::chrono::duration_cast<Clock::duration>(seconds)};
}

Result<void> setTime(ASN1_TIME* target, Clock::time_point at) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  if (ASN1_TIME_set(target, static_cast<std::time_t>(seconds)) == nullptr)
    return internalError();
  return {};
}

bool isEcP256(EVP_PKEY* key) {
  if (key == nullptr || EVP_PKEY_is_a(key, "EC") != 1)
    return false;
  std::array<char, 64> group{};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) != 1)
    return false;
  if (OBJ_sn2nid(group.data()) != NID_X9_62_prime256v1 &&
      EC_curve_nist2nid(group.data()) != NID_X9_62_prime256v1) {
    return false;
  }
  // Explicit parameters that happen to equal P-256 still name the group; refuse them, as
  // RFC 5480 requires named curves.
  int explicitParameters = 0;
  if (EVP_PKEY_get_int_param(key, OSSL_PKEY_PARAM_EC_DECODED_FROM_EXPLICIT_PARAMS,
                             &explicitParameters) == 1 &&
      explicitParameters != 0) {
    return false;
  }
  const EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  return context && EVP_PKEY_public_check(context.get()) == 1;
}

SubjectAltNames readGeneralNames(const GENERAL_NAMES* names) {
  SubjectAltNames out;
  if (names == nullptr)
    return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name == nullptr)
      continue;
    if (name->type == GEN_URI) {
      if (auto text = asn1String(name->d.uniformResourceIdentifier))
        out.uris.push_back(std::move(*text));
    } else if (name->type == GEN_DNS) {
      if (auto text = asn1String(name->d.dNSName))
        out.dns.push_back(std::move(*text));
    }
  }
  return out;
}

Result<GeneralNamesPtr> makeGeneralNames(const std::vector<std::string>& uris,
                                         const std::vector<std::string>& dns) {
  GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names)
    return internalError();
  for (const auto& uri : uris) {
    if (auto pushed = pushName(names.get(), GEN_URI, uri); !pushed)
      return pushed.error();
  }
  for (const auto& name : dns) {
    if (auto pushed = pushName(names.get(), GEN_DNS, name); !pushed)
      return pushed.error();
  }
  return names;
}

Result<X509NamePtr> makeName(std::initializer_list<std::pair<const char*, std::string_view>> rdns) {
  constexpr std::size_t kMaxValueLength = 64;
  X509NamePtr name(X509_NAME_new());
  if (!name)
    return internalError();
  for (const auto& [attribute, value] : rdns) {
    if (value.empty() || value.size() > kMaxValueLength)
      continue;
    if (X509_NAME_add_entry_by_txt(name.get(), attribute, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   static_cast<int>(value.size()), -1, 0) != 1) {
      return internalError();
    }
  }
  return name;
}

Result<std::string> serialToHex(const ASN1_INTEGER* serial) {
  const BignumPtr number(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!number)
    return errc::malformed_pem;
  const std::unique_ptr<char, OpenSslStringDeleter> hex(BN_bn2hex(number.get()));
  if (!hex)
    return errc::malformed_pem;
  return std::string(hex.get());
}

}  // namespace wasmesh::identity::detail
