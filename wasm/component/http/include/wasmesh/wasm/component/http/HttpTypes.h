#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wasmesh::wasm::component::http {

class BodyPipe;

// Header or trailer fields in order: names in lower case, values as bytes.
using HttpFields = std::vector<std::pair<std::string, std::string>>;

// wasi:http's error-code cases, in the WIT's order (their case indexes).
enum class HttpErrorCode : std::uint8_t {
  dnsTimeout,
  dnsError,
  destinationNotFound,
  destinationUnavailable,
  destinationIpProhibited,
  destinationIpUnroutable,
  connectionRefused,
  connectionTerminated,
  connectionTimeout,
  connectionReadTimeout,
  connectionWriteTimeout,
  connectionLimitReached,
  tlsProtocolError,
  tlsCertificateError,
  tlsAlertReceived,
  httpRequestDenied,
  httpRequestLengthRequired,
  httpRequestBodySize,
  httpRequestMethodInvalid,
  httpRequestUriInvalid,
  httpRequestUriTooLong,
  httpRequestHeaderSectionSize,
  httpRequestHeaderSize,
  httpRequestTrailerSectionSize,
  httpRequestTrailerSize,
  httpResponseIncomplete,
  httpResponseHeaderSectionSize,
  httpResponseHeaderSize,
  httpResponseBodySize,
  httpResponseTrailerSectionSize,
  httpResponseTrailerSize,
  httpResponseTransferCoding,
  httpResponseContentCoding,
  httpResponseTimeout,
  httpUpgradeFailed,
  httpProtocolError,
  loopDetected,
  configurationError,
  internalError,
};
inline constexpr std::size_t kHttpErrorCodeCount = 39;

// A wasi:http error-code value. The payloads of the cases that carry one are folded into two
// optional fields: `text` (internal-error's message, a coding's or a field's name, a DNS
// rcode, a TLS alert message) and `number` (a size, a DNS info code, a TLS alert id).
struct HttpError {
  HttpErrorCode code = HttpErrorCode::internalError;
  std::optional<std::string> text;
  std::optional<std::uint64_t> number;

  static HttpError internal(std::string message) {
    return {HttpErrorCode::internalError, std::move(message), std::nullopt};
  }
  // The case as the WIT names it ("connection-refused", "HTTP-request-denied").
  std::string_view name() const;
  // "internal-error: the component trapped", "HTTP-response-body-size: 10".
  std::string describe() const;
};

// A request as the host hands it to an incoming-handler, or as a component sends it through
// outgoing-handler. The body is a pipe between the guest's thread and the embedder's.
struct HttpRequest {
  std::string method = "GET";
  std::string scheme;         // "http", "https", another, or empty for none
  std::string authority;      // empty: none
  std::string pathWithQuery;  // empty: none
  HttpFields headers;
  std::shared_ptr<BodyPipe> body;  // always set; an empty body is a finished pipe
};

struct HttpResponse {
  std::uint16_t status = 200;
  HttpFields headers;
  std::shared_ptr<BodyPipe> body;
};

}  // namespace wasmesh::wasm::component::http
