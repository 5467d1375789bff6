#include "wasmesh/proxy/HttpDetector.h"

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace wasmesh::proxy {
namespace {

// RFC 9113 §3.4: the client connection preface of prior-knowledge HTTP/2.
constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
// What follows the request-target: "HTTP/" DIGIT "." DIGIT, then CRLF or a bare LF. Any
// version and the bare LF are taken as HTTP so that the HTTP codec refuses them (505, 400):
// forwarded as opaque bytes, a request the application's lenient parser accepts would slip
// past every per-request rule of the proxy.
constexpr std::string_view kVersionName = "HTTP/";
// Real methods are short; a long token is more likely binary that happens to be letters.
constexpr std::size_t kMaxMethod = 32;

// RFC 9110 §5.6.2 tchar.
constexpr bool isTchar(std::uint8_t c) {
  if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
    return true;
  constexpr std::string_view kSymbols = "!#$%&'*+-.^_`|~";
  return kSymbols.find(static_cast<char>(c)) != std::string_view::npos;
}

// Visible ASCII or obs-text: what a request-target may hold on the wire. Controls and SP
// end or break the line, so they cannot be part of it.
constexpr bool isTargetByte(std::uint8_t c) {
  return (c >= 0x21 && c <= 0x7E) || c >= 0x80;
}

// RFC 9112 §3.2: a request-target is origin-form ("/path"), asterisk-form ("*"),
// authority-form (CONNECT only) or absolute-form ("http://host/..."; other schemes mean
// nothing to a proxy). Judging its first bytes turns line protocols away at once: "hello
// world" is not the start of a request.
bool targetFormPossible(std::span<const std::uint8_t> method,
                        std::span<const std::uint8_t> targetSoFar) {
  if (targetSoFar.empty() || targetSoFar[0] == '/' || targetSoFar[0] == '*')
    return true;
  constexpr std::string_view kConnect = "CONNECT";
  if (std::equal(method.begin(), method.end(), kConnect.begin(), kConnect.end()))
    return true;
  const auto prefixOf = [&](std::string_view scheme) {
    const std::size_t n = std::min(targetSoFar.size(), scheme.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto c = static_cast<char>(targetSoFar[i]);
      const auto lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
      if (lower != scheme[i])
        return false;
    }
    return true;
  };
  return prefixOf("http://") || prefixOf("https://");
}

bool matchesPrefaceSoFar(std::span<const std::uint8_t> bytes) {
  const std::size_t n = std::min(bytes.size(), kPreface.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (bytes[i] != static_cast<std::uint8_t>(kPreface[i]))
      return false;
  }
  return true;
}

// request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3), judged byte by
// byte: the first byte that cannot continue such a line decides notHttp.
HttpDetection detectHttp1(std::span<const std::uint8_t> bytes) {
  const std::size_t size = bytes.size();
  std::size_t i = 0;
  for (; i < size && bytes[i] != ' '; ++i) {
    if (!isTchar(bytes[i]) || i == kMaxMethod)
      return HttpDetection::notHttp;
  }
  if (i == size)
    return HttpDetection::incomplete;
  if (i == 0)
    return HttpDetection::notHttp;

  const auto method = bytes.first(i);
  const std::size_t targetStart = ++i;
  for (; i < size && bytes[i] != ' '; ++i) {
    if (!isTargetByte(bytes[i]))
      return HttpDetection::notHttp;
  }
  if (!targetFormPossible(method, bytes.subspan(targetStart, i - targetStart)))
    return HttpDetection::notHttp;
  if (i == size)
    return HttpDetection::incomplete;
  if (i == targetStart)
    return HttpDetection::notHttp;

  ++i;
  for (const char expected : kVersionName) {
    if (i == size)
      return HttpDetection::incomplete;
    if (bytes[i++] != static_cast<std::uint8_t>(expected))
      return HttpDetection::notHttp;
  }
  const auto isDigit = [](std::uint8_t c) { return c >= '0' && c <= '9'; };
  for (const bool digit : {true, false, true}) {
    if (i == size)
      return HttpDetection::incomplete;
    const auto c = bytes[i++];
    if (digit ? !isDigit(c) : c != '.')
      return HttpDetection::notHttp;
  }
  if (i == size)
    return HttpDetection::incomplete;
  if (bytes[i] == '\n')
    return HttpDetection::http1;
  if (bytes[i] != '\r')
    return HttpDetection::notHttp;
  if (++i == size)
    return HttpDetection::incomplete;
  return bytes[i] == '\n' ? HttpDetection::http1 : HttpDetection::notHttp;
}

}  // namespace

HttpDetection detectHttp(std::span<const std::uint8_t> bytes) {
  // The preface is itself a syntactically valid start of an HTTP/1 request line up to its
  // version, so it is tried first; once the bytes leave it they are judged as HTTP/1 alone.
  if (matchesPrefaceSoFar(bytes))
    return bytes.size() >= kPreface.size() ? HttpDetection::http2 : HttpDetection::incomplete;
  return detectHttp1(bytes);
}

bool isHttp2ServerPreface(std::span<const std::uint8_t, kHttp2FrameHeaderSize> header) {
  constexpr std::uint8_t kSettingsType = 0x4;
  constexpr std::uint32_t kDefaultMaxFrameSize = 16384;
  constexpr std::uint32_t kSettingSize = 6;
  const std::uint32_t length = (std::uint32_t{header[0]} << 16U) |
                               (std::uint32_t{header[1]} << 8U) | std::uint32_t{header[2]};
  // The stream identifier's top bit is reserved and ignored on receipt.
  const bool streamZero =
      (header[5] & 0x7FU) == 0 && header[6] == 0 && header[7] == 0 && header[8] == 0;
  return header[3] == kSettingsType && header[4] == 0 && streamZero && length % kSettingSize == 0 &&
         length <= kDefaultMaxFrameSize;
}

}  // namespace wasmesh::proxy
