#include "HttpValues.h"

#include <algorithm>
#include <array>

namespace wasmesh::wasm::component::http {
namespace {

constexpr std::array<std::string_view, 9> kMethods = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

constexpr std::array<std::string_view, kHttpErrorCodeCount> kErrorNames = {
    "DNS-timeout",
    "DNS-error",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "TLS-alert-received",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-body-size",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-request-header-section-size",
    "HTTP-request-header-size",
    "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size",
    "HTTP-response-incomplete",
    "HTTP-response-header-section-size",
    "HTTP-response-header-size",
    "HTTP-response-body-size",
    "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding",
    "HTTP-response-content-coding",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
    "internal-error",
};

// The shape of each error-code case's payload.
enum class Payload : std::uint8_t {
  none,
  dns,             // record { rcode: option<string>, info-code: option<u16> }
  tlsAlert,        // record { alert-id: option<u8>, alert-message: option<string> }
  optionalU64,     // option<u64>
  optionalU32,     // option<u32>
  optionalField,   // option<field-size-payload>
  field,           // field-size-payload { field-name: option<string>, field-size: option<u32> }
  optionalString,  // option<string>
};

Payload payloadOf(HttpErrorCode code) {
  switch (code) {
    case HttpErrorCode::dnsError:
      return Payload::dns;
    case HttpErrorCode::tlsAlertReceived:
      return Payload::tlsAlert;
    case HttpErrorCode::httpRequestBodySize:
    case HttpErrorCode::httpResponseBodySize:
      return Payload::optionalU64;
    case HttpErrorCode::httpRequestHeaderSectionSize:
    case HttpErrorCode::httpRequestTrailerSectionSize:
    case HttpErrorCode::httpResponseHeaderSectionSize:
    case HttpErrorCode::httpResponseTrailerSectionSize:
      return Payload::optionalU32;
    case HttpErrorCode::httpRequestHeaderSize:
      return Payload::optionalField;
    case HttpErrorCode::httpRequestTrailerSize:
    case HttpErrorCode::httpResponseHeaderSize:
    case HttpErrorCode::httpResponseTrailerSize:
      return Payload::field;
    case HttpErrorCode::httpResponseTransferCoding:
    case HttpErrorCode::httpResponseContentCoding:
    case HttpErrorCode::internalError:
      return Payload::optionalString;
    default:
      return Payload::none;
  }
}

Val optionalString(const std::optional<std::string>& text) {
  return text ? Val::some(Val::string(*text)) : Val::none();
}

Val optionalNumber(const std::optional<std::uint64_t>& number, Val (*make)(std::uint64_t)) {
  return number ? Val::some(make(*number)) : Val::none();
}

Val u8(std::uint64_t value) {
  return Val::u8(static_cast<std::uint8_t>(value));
}
Val u16(std::uint64_t value) {
  return Val::u16(static_cast<std::uint16_t>(value));
}
Val u32(std::uint64_t value) {
  return Val::u32(static_cast<std::uint32_t>(std::min<std::uint64_t>(value, UINT32_MAX)));
}
Val u64(std::uint64_t value) {
  return Val::u64(value);
}

std::optional<std::string> textOf(const Val* option) {
  if (option == nullptr || option->caseIndex() == 0 || option->payload() == nullptr)
    return std::nullopt;
  return option->payload()->text();
}

std::optional<std::uint64_t> numberOf(const Val* option) {
  if (option == nullptr || option->caseIndex() == 0 || option->payload() == nullptr)
    return std::nullopt;
  return option->payload()->asU64();
}

const Val* field(const Val* record, std::size_t index) {
  if (record == nullptr || record->items().size() <= index)
    return nullptr;
  return &record->items()[index];
}

}  // namespace

std::string_view HttpError::name() const {
  const auto index = static_cast<std::size_t>(code);
  return index < kErrorNames.size() ? kErrorNames[index] : "internal-error";
}

std::string HttpError::describe() const {
  std::string out(name());
  if (text)
    out += ": " + *text;
  if (number)
    out += (text ? " " : ": ") + std::to_string(*number);
  return out;
}

Val methodValue(const std::string& method) {
  for (std::size_t i = 0; i < kMethods.size(); ++i) {
    if (method == kMethods[i])
      return Val::variant(static_cast<std::uint32_t>(i));
  }
  return Val::variant(static_cast<std::uint32_t>(kMethods.size()), Val::string(method));
}

std::optional<std::string> methodFromValue(const Val& value) {
  if (value.caseIndex() < kMethods.size())
    return std::string(kMethods[value.caseIndex()]);
  if (value.payload() == nullptr || !validFieldName(value.payload()->text()))
    return std::nullopt;
  return value.payload()->text();
}

Val schemeValue(const std::string& scheme) {
  const std::string lower = lowerCase(scheme);
  if (lower == "http")
    return Val::variant(0);
  if (lower == "https")
    return Val::variant(1);
  return Val::variant(2, Val::string(scheme));
}

std::optional<std::string> schemeFromValue(const Val& value) {
  if (value.caseIndex() == 0)
    return std::string("http");
  if (value.caseIndex() == 1)
    return std::string("https");
  if (value.payload() == nullptr)
    return std::nullopt;
  const std::string& text = value.payload()->text();
  // RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  const bool valid =
      !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) != 0 &&
      std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
      });
  if (!valid)
    return std::nullopt;
  return text;
}

Val errorValue(const HttpError& error) {
  const auto index = static_cast<std::uint32_t>(error.code);
  switch (payloadOf(error.code)) {
    case Payload::none:
      return Val::variant(index);
    case Payload::dns:
      return Val::variant(
          index, Val::record({optionalString(error.text), optionalNumber(error.number, u16)}));
    case Payload::tlsAlert:
      return Val::variant(
          index, Val::record({optionalNumber(error.number, u8), optionalString(error.text)}));
    case Payload::optionalU64:
      return Val::variant(index, optionalNumber(error.number, u64));
    case Payload::optionalU32:
      return Val::variant(index, optionalNumber(error.number, u32));
    case Payload::optionalField:
      if (!error.text && !error.number)
        return Val::variant(index, Val::none());
      return Val::variant(
          index,
          Val::some(Val::record({optionalString(error.text), optionalNumber(error.number, u32)})));
    case Payload::field:
      return Val::variant(
          index, Val::record({optionalString(error.text), optionalNumber(error.number, u32)}));
    case Payload::optionalString:
      return Val::variant(index, optionalString(error.text));
  }
  return Val::variant(index);
}

HttpError errorFromValue(const Val& value) {
  HttpError error;
  if (value.caseIndex() >= kHttpErrorCodeCount)
    return HttpError::internal("an error code the host does not know");
  error.code = static_cast<HttpErrorCode>(value.caseIndex());
  const Val* payload = value.payload();
  switch (payloadOf(error.code)) {
    case Payload::none:
      break;
    case Payload::dns:
      error.text = textOf(field(payload, 0));
      error.number = numberOf(field(payload, 1));
      break;
    case Payload::tlsAlert:
      error.number = numberOf(field(payload, 0));
      error.text = textOf(field(payload, 1));
      break;
    case Payload::optionalU64:
    case Payload::optionalU32:
      error.number = numberOf(payload);
      break;
    case Payload::optionalField: {
      const Val* record =
          payload != nullptr && payload->caseIndex() == 1 ? payload->payload() : nullptr;
      error.text = textOf(field(record, 0));
      error.number = numberOf(field(record, 1));
      break;
    }
    case Payload::field:
      error.text = textOf(field(payload, 0));
      error.number = numberOf(field(payload, 1));
      break;
    case Payload::optionalString:
      error.text = textOf(payload);
      break;
  }
  return error;
}

Val fieldsValue(const HttpFields& fields) {
  std::vector<Val> entries;
  entries.reserve(fields.size());
  for (const auto& [name, value] : fields)
    entries.push_back(Val::tuple({Val::string(name), Val::bytes(value)}));
  return Val::list(std::move(entries));
}

bool validFieldName(std::string_view name) {
  static constexpr std::string_view kTokenPunctuation = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           kTokenPunctuation.find(c) != std::string_view::npos;
  });
}

bool validFieldValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && byte != '\t') || byte == 0x7f;
  });
}

bool forbiddenField(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kForbidden = {"connection",
                                                                 "keep-alive",
                                                                 "proxy-authenticate",
                                                                 "proxy-authorization",
                                                                 "proxy-connection",
                                                                 "transfer-encoding",
                                                                 "upgrade",
                                                                 "host",
                                                                 "http2-settings"};
  return std::find(kForbidden.begin(), kForbidden.end(), name) != kForbidden.end();
}

std::string lowerCase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

}  // namespace wasmesh::wasm::component::http
