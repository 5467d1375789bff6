#include "Http2HeaderBlock.h"

#include <charconv>
#include <optional>

#include "wasmesh/proxy/http/HeaderRules.h"

namespace wasmesh::proxy::http {
namespace {

// HPACK's per-field overhead (RFC 7541 section 4.1).
constexpr std::size_t kFieldOverhead = 32;

std::optional<std::uint64_t> parseContentLength(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end)
    return std::nullopt;
  return value;
}

// RFC 9113 section 8.2.3: cookie crumbs are joined with "; " before the request goes to
// anything that is not HTTP/2.
void joinCookies(HeaderMap& fields) {
  if (fields.count("cookie") < 2)
    return;
  std::string joined;
  for (const auto& [name, value] : fields) {
    if (name != "cookie")
      continue;
    if (!joined.empty())
      joined += "; ";
    joined += value;
  }
  fields.set("cookie", joined);
}

bool sameIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i]))
      return false;
  }
  return true;
}

}  // namespace

bool Http2HeaderBlock::add(std::string_view name, std::string_view value) {
  if (overLimit_)
    return false;
  listBytes_ += name.size() + value.size() + kFieldOverhead;
  if (listBytes_ > maxListBytes_ || ++count_ > maxCount_) {
    overLimit_ = true;
    return false;
  }
  if (!name.empty() && name.front() == ':') {
    if (name == ":method") {
      method_ = value;
    } else if (name == ":scheme") {
      scheme_ = value;
      hasScheme_ = true;
    } else if (name == ":authority") {
      authority_ = value;
    } else if (name == ":path") {
      path_ = value;
      hasPath_ = true;
    } else if (name == ":status") {
      status_ = value;
    }
    return true;  // others (:protocol) were refused by nghttp2 already
  }
  fields_.add(name, value);
  return true;
}

Result<RequestHead> Http2HeaderBlock::toRequest(bool endStream) && {
  RequestHead head;
  head.version = Version::http2;
  if (!isValidMethod(method_))
    return errc::http_malformed_message;
  head.method = std::move(method_);
  const auto host = fields_.get("host");
  if (!authority_.empty() && host && !sameIgnoringCase(*host, authority_))
    return errc::http_malformed_message;  // section 8.3.1: they must name the same thing
  head.authority = authority_.empty() && host ? std::string(*host) : std::move(authority_);
  fields_.remove("host");
  if (head.method == "CONNECT") {
    // Section 8.5: only :authority, and the tunnel is the body.
    if (hasScheme_ || hasPath_ || head.authority.empty())
      return errc::http_malformed_message;
    head.scheme.clear();
    head.path = head.authority;
  } else {
    if (!hasScheme_ || scheme_.empty() || !hasPath_ || path_.empty())
      return errc::http_malformed_message;
    if (path_.front() != '/' && !(path_ == "*" && head.method == "OPTIONS"))
      return errc::http_malformed_message;
    head.scheme = std::move(scheme_);
    head.path = std::move(path_);
  }
  if (const auto length = fields_.get("content-length")) {
    head.contentLength = parseContentLength(*length);
    if (!head.contentLength)
      return errc::http_malformed_message;
  }
  if (const auto expect = fields_.get("expect"))
    head.expectContinue = sameIgnoringCase(*expect, "100-continue");
  head.hasBody = !endStream;
  joinCookies(fields_);
  removeHopByHop(fields_);
  head.headers = std::move(fields_);
  return head;
}

Result<ResponseHead> Http2HeaderBlock::toResponse() && {
  ResponseHead head;
  head.version = Version::http2;
  unsigned status = 0;
  const auto* end = status_.data() + status_.size();
  const auto [stop, error] = std::from_chars(status_.data(), end, status);
  if (status_.size() != 3 || error != std::errc() || stop != end || status < 100 || status > 599)
    return errc::http_malformed_message;
  head.status = status;
  if (const auto length = fields_.get("content-length")) {
    head.contentLength = parseContentLength(*length);
    if (!head.contentLength)
      return errc::http_malformed_message;
  }
  removeHopByHop(fields_);
  head.headers = std::move(fields_);
  return head;
}

HeaderMap Http2HeaderBlock::toTrailers() && {
  return std::move(fields_);
}

}  // namespace wasmesh::proxy::http
