// libFuzzer target for detectHttp and detectProtocol: besides "no crash, no UB, no read
// outside the input" (ASan, UBSan), it checks what the proxy relies on and traps when any
// fails.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "wasmesh/proxy/HttpDetector.h"
#include "wasmesh/proxy/ProtocolDetector.h"

namespace {

using wasmesh::proxy::DetectedProtocol;
using wasmesh::proxy::detectHttp;
using wasmesh::proxy::Detection;
using wasmesh::proxy::detectProtocol;
using wasmesh::proxy::HttpDetection;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

bool startsWith(std::span<const std::uint8_t> bytes, std::string_view text) {
  return bytes.size() >= text.size() && std::equal(text.begin(), text.end(), bytes.begin());
}

// An independent, slower statement of what http1 means: the first line, up to the first LF
// (a CR before it is dropped), is three parts separated by single spaces, ending in
// "HTTP/" DIGIT "." DIGIT. Any version and a bare LF are HTTP on purpose: the codec then
// answers 505 or 400 instead of the bytes slipping past as opaque.
bool looksLikeRequestLine(std::span<const std::uint8_t> bytes) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const auto end = text.find('\n');
  if (end == std::string_view::npos)
    return false;
  auto line = text.substr(0, end);
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  const auto first = line.find(' ');
  const auto last = line.rfind(' ');
  if (first == std::string_view::npos || first == 0 || first > 32 || last <= first + 1)
    return false;
  const auto version = line.substr(last + 1);
  const auto isDigit = [](char c) { return c >= '0' && c <= '9'; };
  return version.size() == 8 && version.starts_with("HTTP/") && isDigit(version[5]) &&
         version[6] == '.' && isDigit(version[7]);
}

bool same(const Detection& a, const Detection& b) {
  return a.protocol == b.protocol && a.reason == b.reason && a.tls.serverName == b.tls.serverName &&
         a.tls.alpn == b.tls.alpn;
}

void checkHttp(std::span<const std::uint8_t> bytes) {
  const auto whole = detectHttp(bytes);
  if (whole == HttpDetection::http1)
    check(looksLikeRequestLine(bytes));
  if (whole == HttpDetection::http2)
    check(startsWith(bytes, kPreface));
  if (startsWith(bytes, kPreface))
    check(whole == HttpDetection::http2);
  // Decisions are final: no prefix answer other than incomplete changes with more bytes.
  for (std::size_t n = 0; n < bytes.size(); n = n == 0 ? 1 : n * 2) {
    const auto prefix = detectHttp(bytes.first(n));
    if (prefix != HttpDetection::incomplete)
      check(prefix == whole);
  }
  if (!bytes.empty()) {
    const auto allButLast = detectHttp(bytes.first(bytes.size() - 1));
    if (allButLast != HttpDetection::incomplete)
      check(allButLast == whole);
  }
}

void checkProtocol(std::span<const std::uint8_t> bytes) {
  // Whatever the limit, a full buffer always gets an answer.
  check(detectProtocol(bytes, bytes.size()).protocol != DetectedProtocol::undecided);
  const std::size_t limit = 8192;
  const auto whole = detectProtocol(bytes, limit);
  check(whole.protocol != DetectedProtocol::undecided || bytes.size() < limit);
  check((whole.protocol == DetectedProtocol::opaque) == !whole.reason.empty());
  if (whole.protocol != DetectedProtocol::tls)
    check(whole.tls.serverName.empty() && whole.tls.alpn.empty());
  if (!bytes.empty() && bytes[0] != 22) {
    // Without a TLS record byte, the answer is the HTTP detector's.
    const auto http = detectHttp(bytes);
    check((whole.protocol == DetectedProtocol::http1) == (http == HttpDetection::http1));
    check((whole.protocol == DetectedProtocol::http2) == (http == HttpDetection::http2));
  }
  // A decision taken below the limit is final (at the limit, "no decision" is final for the
  // proxy, which stops reading, but not for this function).
  for (std::size_t n = 1; n < std::min(bytes.size(), limit); n *= 2) {
    const auto prefix = detectProtocol(bytes.first(n), limit);
    if (prefix.protocol != DetectedProtocol::undecided)
      check(same(prefix, whole));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  checkHttp(bytes);
  checkProtocol(bytes);
  return 0;
}
