#include "wasmesh/proxy/ProtocolDetector.h"

#include <algorithm>
#include <utility>

#include "wasmesh/proxy/HttpDetector.h"

namespace wasmesh::proxy {
namespace {

constexpr std::uint8_t kHandshakeRecord = 22;

Detection decided(DetectedProtocol protocol, std::string_view reason = {}) {
  Detection detection;
  detection.protocol = protocol;
  detection.reason = reason;
  return detection;
}

// Waiting is only allowed while the buffer has room: a client that fills it without
// completing anything is forwarded as it is.
Detection undecidedWithin(std::span<const std::uint8_t> bytes, std::size_t maxBytes) {
  if (bytes.size() >= maxBytes)
    return decided(DetectedProtocol::opaque, "no decision within the detection buffer");
  return {};
}

}  // namespace

Detection detectProtocol(std::span<const std::uint8_t> bytes, std::size_t maxBytes) {
  if (bytes.empty())
    return undecidedWithin(bytes, maxBytes);
  // No HTTP request starts with byte 22 (not a tchar), so the TLS parser alone decides,
  // except when the bytes after it say this is not a TLS record after all.
  if (bytes[0] == kHandshakeRecord) {
    auto parse = parseClientHello(bytes, maxBytes);
    switch (parse.status) {
      case ClientHelloStatus::complete: {
        auto detection = decided(DetectedProtocol::tls);
        detection.tls = std::move(parse.hello);
        return detection;
      }
      case ClientHelloStatus::malformed:
        return decided(DetectedProtocol::opaque, parse.problem);
      case ClientHelloStatus::incomplete:
        return undecidedWithin(bytes, maxBytes);
      case ClientHelloStatus::notTls:
        break;
    }
  }
  switch (detectHttp(bytes)) {
    case HttpDetection::http1:
      return decided(DetectedProtocol::http1);
    case HttpDetection::http2:
      return decided(DetectedProtocol::http2);
    case HttpDetection::notHttp:
      return decided(DetectedProtocol::opaque, "not HTTP or TLS");
    case HttpDetection::incomplete:
      // A request line longer than the buffer is still a request: the HTTP codec answers
      // it (414) rather than the bytes going on unexamined.
      if (bytes.size() >= maxBytes &&
          std::find(bytes.begin(), bytes.end(), std::uint8_t{' '}) != bytes.end())
        return decided(DetectedProtocol::http1, "a request line longer than the buffer");
      break;
  }
  return undecidedWithin(bytes, maxBytes);
}

bool worthWaitingForMore(std::span<const std::uint8_t> undecided) {
  if (undecided.empty())
    return true;
  if (undecided[0] == kHandshakeRecord)
    return true;
  return std::find(undecided.begin(), undecided.end(), std::uint8_t{' '}) != undecided.end();
}

}  // namespace wasmesh::proxy
