#include "wasmesh/proxy/http/Http1Writer.h"

#include <array>
#include <charconv>
#include <string_view>

namespace wasmesh::proxy::http {
namespace {

std::string_view reasonPhrase(unsigned status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 103:
      return "Early Hints";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "";
  }
}

bool bodyForbidden(unsigned status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}

std::span<const std::uint8_t> asBytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

void appendNumber(std::string& out, std::uint64_t value, int base = 10) {
  char digits[24];
  const auto [end, error] = std::to_chars(digits, digits + sizeof digits, value, base);
  out.append(digits, end);
}

Result<void> ok() {
  return {};
}

}  // namespace

void Http1Writer::appendFields(const HeaderMap& headers) {
  for (const auto& [name, value] : headers) {
    if (name == "content-length")
      continue;  // framing is decided here, from the message's own length
    pending_ += name;
    pending_ += ": ";
    pending_ += value;
    pending_ += "\r\n";
  }
}

boost::asio::awaitable<Result<void>> Http1Writer::writeInformational(const ResponseHead& head) {
  std::string line = "HTTP/1.1 ";
  appendNumber(line, head.status);
  line += ' ';
  line += reasonPhrase(head.status);
  line += "\r\n";
  pending_ = std::move(line);
  appendFields(head.headers);
  pending_ += "\r\n";
  co_return co_await flush();
}

boost::asio::awaitable<Result<void>> Http1Writer::writeResponseHead(const ResponseHead& head,
                                                                    const RequestHead& request,
                                                                    bool endStream,
                                                                    bool keepAlive) {
  pending_ = request.version == Version::http10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  appendNumber(pending_, head.status);
  pending_ += ' ';
  pending_ += reasonPhrase(head.status);
  pending_ += "\r\n";
  appendFields(head.headers);
  const bool noBody = request.method == "HEAD" || bodyForbidden(head.status);
  closes_ = !keepAlive;
  if (noBody || endStream) {
    framing_ = Framing::none;
    // A HEAD answer keeps the length a GET would have had; an empty body says 0.
    if (request.method == "HEAD" && head.contentLength) {
      pending_ += "content-length: ";
      appendNumber(pending_, *head.contentLength);
      pending_ += "\r\n";
    } else if (!bodyForbidden(head.status) && request.method != "HEAD") {
      pending_ += "content-length: 0\r\n";
    }
  } else if (head.contentLength) {
    framing_ = Framing::contentLength;
    remaining_ = *head.contentLength;
    pending_ += "content-length: ";
    appendNumber(pending_, remaining_);
    pending_ += "\r\n";
  } else if (request.version == Version::http11) {
    framing_ = Framing::chunked;
    pending_ += "transfer-encoding: chunked\r\n";
  } else {
    framing_ = Framing::closeDelimited;  // HTTP/1.0 has no other way to end an open body
    closes_ = true;
  }
  if (closes_) {
    pending_ += "connection: close\r\n";
  } else if (request.version == Version::http10) {
    pending_ += "connection: keep-alive\r\n";
  }
  pending_ += "\r\n";
  headWritten_ = true;
  if (framing_ == Framing::none || (framing_ == Framing::contentLength && remaining_ == 0)) {
    complete_ = true;
    co_return co_await flush();
  }
  co_return ok();  // held back until the first body bytes
}

boost::asio::awaitable<Result<void>> Http1Writer::writeRequestHead(const RequestHead& head,
                                                                   bool endStream) {
  pending_ = head.method;
  pending_ += ' ';
  pending_ += head.path;
  // Always HTTP/1.1 upstream, as Envoy does: an HTTP/1.0 request would make the server close
  // after answering (often without saying so), and could not carry a chunked body. HTTP/1.1
  // requires a Host field, empty when the client named no authority (RFC 9112 3.2).
  pending_ += " HTTP/1.1\r\nhost: ";
  pending_ += head.authority;
  pending_ += "\r\n";
  appendFields(head.headers);
  if (!head.upgrade.empty()) {
    pending_ += "connection: upgrade\r\nupgrade: ";
    pending_ += head.upgrade;
    pending_ += "\r\n";
  }
  if (endStream || !head.hasBody) {
    framing_ = Framing::none;
    if (head.method == "POST" || head.method == "PUT" || head.method == "PATCH")
      pending_ += "content-length: 0\r\n";
  } else if (head.contentLength) {
    framing_ = Framing::contentLength;
    remaining_ = *head.contentLength;
    pending_ += "content-length: ";
    appendNumber(pending_, remaining_);
    pending_ += "\r\n";
  } else {
    framing_ = Framing::chunked;  // an upstream request is always HTTP/1.1
    pending_ += "transfer-encoding: chunked\r\n";
  }
  pending_ += "\r\n";
  headWritten_ = true;
  if (framing_ == Framing::none || (framing_ == Framing::contentLength && remaining_ == 0)) {
    complete_ = true;
    co_return co_await flush();
  }
  co_return ok();
}

boost::asio::awaitable<Result<void>> Http1Writer::writeData(std::span<const std::uint8_t> data,
                                                            bool endStream) {
  if (complete_) {
    if (data.empty())
      co_return ok();
    co_return make_error_code(errc::http_body_too_large);
  }
  std::span<const std::uint8_t> body;  // goes out after pending_, and before `tail`
  std::string_view tail;
  switch (framing_) {
    case Framing::none:
      break;
    case Framing::contentLength:
      if (data.size() > remaining_) {
        // More than declared: what was declared goes out; the connection cannot go on.
        data = data.first(static_cast<std::size_t>(remaining_));
        closes_ = true;
      }
      body = data;
      remaining_ -= data.size();
      if (remaining_ == 0)
        complete_ = true;
      else if (endStream)
        closes_ = true;  // shorter than declared: only closing can tell the peer
      break;
    case Framing::chunked:
      if (!data.empty()) {
        appendNumber(pending_, data.size(), 16);
        pending_ += "\r\n";
        body = data;
        tail = endStream ? "\r\n0\r\n\r\n" : "\r\n";
      } else if (endStream) {
        pending_ += "0\r\n\r\n";
      }
      if (endStream)
        complete_ = true;
      break;
    case Framing::closeDelimited:
      body = data;
      if (endStream)
        complete_ = true;
      break;
  }
  co_return co_await flush(body, tail);
}

boost::asio::awaitable<Result<void>> Http1Writer::writeTrailers(const HeaderMap& trailers) {
  if (framing_ == Framing::chunked && !complete_) {
    pending_ += "0\r\n";
    appendFields(trailers);
    pending_ += "\r\n";
    complete_ = true;
    co_return co_await flush();
  }
  // Other framings cannot carry trailers: they are dropped and the body ends.
  co_return co_await writeData({}, true);
}

boost::asio::awaitable<Result<void>> Http1Writer::flush(std::span<const std::uint8_t> body,
                                                        std::string_view tail) {
  boost::system::error_code error;
  if (body.size() < kCopiedBodyBytes) {
    // Small: one buffer, one send.
    pending_.append(reinterpret_cast<const char*>(body.data()), body.size());
    pending_ += tail;
    if (pending_.empty())
      co_return ok();
    error = co_await stream_.writeAll(asBytes(pending_));
  } else {
    // Large: the body is not copied; head, body and tail are gathered into one send.
    const std::array<std::span<const std::uint8_t>, 3> parts{asBytes(pending_), body,
                                                             asBytes(tail)};
    error = co_await stream_.writeGathered(parts);
  }
  pending_.clear();
  if (error)
    co_return error;
  co_return ok();
}

}  // namespace wasmesh::proxy::http
