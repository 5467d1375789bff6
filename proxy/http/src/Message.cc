#include "wasmesh/proxy/http/Message.h"

#include "wasmesh/proxy/http/CodecEvents.h"

namespace wasmesh::proxy::http {

std::string_view versionName(Version version) noexcept {
  switch (version) {
    case Version::http10:
      return "HTTP/1.0";
    case Version::http11:
      return "HTTP/1.1";
    case Version::http2:
      return "HTTP/2";
  }
  return "HTTP/1.1";
}

std::string_view codecEventName(CodecEvent event) noexcept {
  switch (event) {
    case CodecEvent::malformedRequest:
      return "malformed_request";
    case CodecEvent::malformedResponse:
      return "malformed_response";
    case CodecEvent::headersTooLarge:
      return "headers_too_large";
    case CodecEvent::startLineTooLong:
      return "start_line_too_long";
    case CodecEvent::bodyTooLarge:
      return "body_too_large";
    case CodecEvent::unsupportedVersion:
      return "unsupported_version";
    case CodecEvent::headerTimeout:
      return "header_timeout";
    case CodecEvent::protocolError:
      return "protocol_error";
    case CodecEvent::streamProtocolError:
      return "stream_protocol_error";
    case CodecEvent::resetFlood:
      return "reset_flood";
    case CodecEvent::controlFrameFlood:
      return "control_frame_flood";
    case CodecEvent::emptyFrameFlood:
      return "empty_frame_flood";
    case CodecEvent::continuationFlood:
      return "continuation_flood";
  }
  return "unknown";
}

}  // namespace wasmesh::proxy::http
