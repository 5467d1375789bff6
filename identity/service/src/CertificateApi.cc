#include "wasmesh/identity/CertificateApi.h"

#include <boost/json.hpp>
#include <ctime>

namespace wasmesh::identity {
namespace {

// A string member of a JSON object, or nullptr when absent or not a string.
const boost::json::string* stringMember(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value != nullptr && value->is_string() ? &value->get_string() : nullptr;
}

std::string toString(const boost::json::string& text) {
  return {text.data(), text.size()};
}

Result<boost::json::object> parseObject(std::string_view body) {
  if (body.size() > kMaxCertificateRequestBytes)
    return errc::invalid_certificate_request;
  boost::system::error_code error;
  auto parsed = boost::json::parse(body, error);
  if (error || !parsed.is_object())
    return errc::invalid_certificate_request;
  return std::move(parsed.get_object());
}

}  // namespace

Result<CertificateRequest> parseCertificateRequest(std::string_view body) {
  auto object = parseObject(body);
  if (!object)
    return object.error();
  const auto* identity = stringMember(*object, "identity");
  const auto* csr = stringMember(*object, "csr");
  if (identity == nullptr || csr == nullptr || identity->empty() || csr->empty())
    return errc::invalid_certificate_request;
  return CertificateRequest{toString(*identity), toString(*csr)};
}

std::string certificateRequestBody(const CertificateRequest& request) {
  boost::json::object object;
  object["identity"] = request.identity;
  object["csr"] = request.csrPem;
  return boost::json::serialize(object);
}

std::string certificateResponseBody(const CertificateResponse& response) {
  boost::json::object object;
  object["certificate"] = response.certificatePem;
  object["chain"] = response.chainPem;
  object["expiry"] = formatRfc3339(response.expiry);
  return boost::json::serialize(object);
}

Result<CertificateResponse> parseCertificateResponse(std::string_view body) {
  auto object = parseObject(body);
  if (!object)
    return object.error();
  const auto* certificate = stringMember(*object, "certificate");
  const auto* chain = stringMember(*object, "chain");
  const auto* expiry = stringMember(*object, "expiry");
  if (certificate == nullptr || chain == nullptr || expiry == nullptr)
    return errc::invalid_certificate_request;
  auto when = parseRfc3339(std::string_view(expiry->data(), expiry->size()));
  if (!when)
    return when.error();
  return CertificateResponse{toString(*certificate), toString(*chain), *when};
}

std::string errorBody(std::string_view why) {
  boost::json::object object;
  object["error"] = why;
  return boost::json::serialize(object);
}

std::string_view bearerToken(std::string_view authorization) {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.substr(0, kScheme.size()) != kScheme)
    return {};
  return authorization.substr(kScheme.size());
}

std::string formatRfc3339(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const auto length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return {text, length};
}

Result<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text) {
  // Exactly the form formatRfc3339 writes: the service and its clients are both ours.
  std::tm utc{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  if (end == nullptr || *end != '\0')
    return errc::invalid_certificate_request;
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

}  // namespace wasmesh::identity
