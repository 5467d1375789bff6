#include "wasmesh/proxy/http/Http1RequestReader.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

#include "wasmesh/proxy/http/HeaderRules.h"
#include "wasmesh/proxy/http/Http1Syntax.h"

namespace wasmesh::proxy::http {
namespace {

namespace beast_http = boost::beast::http;
constexpr std::size_t kBodyChunk = 16 * 1024;

std::string lowered(std::string_view text) {
  std::string out(text);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool hasToken(std::string_view list, std::string_view token) {
  std::size_t start = 0;
  while (start <= list.size()) {
    auto end = list.find(',', start);
    if (end == std::string_view::npos)
      end = list.size();
    auto item = list.substr(start, end - start);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
      item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
      item.remove_suffix(1);
    if (lowered(item) == token)
      return true;
    start = end + 1;
  }
  return false;
}

// RFC 9112 section 3.2.2: an absolute-form target gives the authority; the path follows it.
bool splitAbsoluteForm(std::string_view target, std::string& authority, std::string& path) {
  const auto lower = lowered(target.substr(0, 8));
  std::size_t skip = 0;
  if (lower.rfind("http://", 0) == 0)
    skip = 7;
  else if (lower.rfind("https://", 0) == 0)
    skip = 8;
  else
    return false;
  const auto rest = target.substr(skip);
  const auto slash = rest.find_first_of("/?");
  authority = std::string(rest.substr(0, slash));
  path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (!path.empty() && path.front() == '?')
    path.insert(path.begin(), '/');
  return !authority.empty();
}

// Beast reports most problems as error codes but throws for a few (a field too large for
// its storage): the boundary turns those into an error as well.
template <typename Parser>
std::size_t putHeader(Parser& parser, std::span<const std::uint8_t> bytes,
                      boost::system::error_code& error) {
  try {
    return parser.put(boost::asio::buffer(bytes.data(), bytes.size()), error);
  } catch (const std::exception&) {
    error = beast_http::error::header_limit;
    return 0;
  }
}

}  // namespace

Http1RequestReader::Http1RequestReader(const HttpSettings& settings) : settings_(settings) {
  parser_.header_limit(
      static_cast<std::uint32_t>(settings.maxStartLineBytes + settings.maxHeaderListBytes));
  parser_.body_limit(boost::none);  // bodies stream through; nothing holds a whole one
  parser_.eager(false);
}

Result<RequestHead> Http1RequestReader::refuse(CodecEvent event, unsigned status) {
  refusal_ = Refusal{event, status};
  return errc::http_malformed_message;
}

boost::asio::awaitable<Result<RequestHead>> Http1RequestReader::readHead(
    InputBuffer& input, Clock::time_point idleDeadline) {
  auto deadline = idleDeadline;
  bool started = !input.empty();
  if (started)
    deadline = Clock::now() + settings_.requestHeaderTimeout;
  const auto sectionLimit = settings_.maxStartLineBytes + settings_.maxHeaderListBytes;
  while (true) {
    const auto bytes = input.data();
    const auto lineLength = Http1Syntax::startLineLength(bytes);
    if ((lineLength && *lineLength > settings_.maxStartLineBytes) ||
        (!lineLength && bytes.size() > settings_.maxStartLineBytes))
      co_return refuse(CodecEvent::startLineTooLong, 414);
    if (const auto end = Http1Syntax::headerEnd(bytes)) {
      if (*end > sectionLimit)
        co_return refuse(CodecEvent::headersTooLarge, 431);
      const std::string_view section(reinterpret_cast<const char*>(bytes.data()), *end);
      if (Http1Syntax::longestLine(section) > Http1Syntax::kMaxFieldLineBytes)
        co_return refuse(CodecEvent::headersTooLarge, 431);
      if (const auto bad = Http1Syntax::checkHeaderSection(section, CodecEvent::malformedRequest))
        co_return refuse(*bad, 400);
      boost::system::error_code error;
      const auto used = putHeader(parser_, {bytes.data(), *end}, error);
      if (error == beast_http::error::bad_version)
        co_return refuse(CodecEvent::unsupportedVersion, 505);
      if (error == beast_http::error::header_limit)
        co_return refuse(CodecEvent::headersTooLarge, 431);
      if (error || used != *end || !parser_.is_header_done())
        co_return refuse(CodecEvent::malformedRequest, 400);
      input.consume(*end);
      co_return buildHead();
    }
    if (bytes.size() > sectionLimit)
      co_return refuse(CodecEvent::headersTooLarge, 431);
    // A bare LF or CR is refused as soon as it shows: the end of the section, which it would
    // have to be CRLF CRLF to reach, may never come.
    if (const auto bad = Http1Syntax::checkLineEndings(bytes, CodecEvent::malformedRequest))
      co_return refuse(*bad, 400);
    const auto error = co_await input.fill(deadline);
    if (error) {
      if (error == errc::http_headers_too_large)
        co_return refuse(CodecEvent::headersTooLarge, 431);
      if (error == errc::http_header_timeout && started)
        co_return refuse(CodecEvent::headerTimeout, 408);
      if (error == boost::asio::error::eof && started)
        co_return refuse(CodecEvent::malformedRequest, 400);
      co_return error;
    }
    if (!started) {
      started = true;
      deadline = Clock::now() + settings_.requestHeaderTimeout;
    }
  }
}

Result<RequestHead> Http1RequestReader::buildHead() {
  const auto& message = parser_.get();
  RequestHead head;
  if (message.version() != 10 && message.version() != 11)
    return refuse(CodecEvent::unsupportedVersion, 505);
  head.version = message.version() == 10 ? Version::http10 : Version::http11;
  head.method = std::string(message.method_string());
  if (!isValidMethod(head.method))
    return refuse(CodecEvent::malformedRequest, 400);
  if (head.method == "CONNECT")
    return refuse(CodecEvent::malformedRequest, 405);
  std::size_t contentLengths = 0;
  std::size_t transferEncodings = 0;
  std::size_t hosts = 0;
  std::string host;
  std::string connection;
  for (const auto& field : message) {
    const auto name = field.name_string();
    const auto value = field.value();
    if (!isValidFieldName(name) || !isValidFieldValue(value))
      return refuse(CodecEvent::malformedRequest, 400);
    head.headers.add(name, value);
    const auto key = lowered(name);
    if (key == "content-length") {
      ++contentLengths;
      // Digits only: a list ("5, 5") is what two parsers may read as one length or none.
      if (value.empty() ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return refuse(CodecEvent::malformedRequest, 400);
    } else if (key == "transfer-encoding") {
      ++transferEncodings;
      // Only chunked, alone: anything else leaves the body's length to interpretation.
      if (lowered(value) != "chunked")
        return refuse(CodecEvent::malformedRequest, 400);
    } else if (key == "host") {
      ++hosts;
      host = std::string(value);
    } else if (key == "connection") {
      connection += (connection.empty() ? "" : ",") + std::string(value);
    }
  }
  headerFieldCount_ = head.headers.size();
  if (head.headers.size() > settings_.maxHeaderCount ||
      head.headers.listSize() > settings_.maxHeaderListBytes)
    return refuse(CodecEvent::headersTooLarge, 431);
  // Two framings, two lengths, or framing HTTP/1.0 does not have: each lets a proxy and a
  // server disagree about where the body ends (request smuggling).
  if (contentLengths > 1 || transferEncodings > 1 || (contentLengths && transferEncodings) ||
      (transferEncodings && head.version == Version::http10))
    return refuse(CodecEvent::malformedRequest, 400);
  if (hosts > 1 || (hosts == 0 && head.version == Version::http11))
    return refuse(CodecEvent::malformedRequest, 400);
  const auto target = message.target();
  std::string absoluteAuthority;
  std::string absolutePath;
  if (splitAbsoluteForm(target, absoluteAuthority, absolutePath)) {
    head.authority = absoluteAuthority;
    head.path = absolutePath;
  } else if (!target.empty() &&
             (target.front() == '/' || (target == "*" && head.method == "OPTIONS"))) {
    head.authority = host;
    head.path = std::string(target);
  } else {
    return refuse(CodecEvent::malformedRequest, 400);
  }
  keepAlive_ = parser_.keep_alive();
  if (const auto length = parser_.content_length())
    head.contentLength = *length;
  head.hasBody = parser_.chunked() || (head.contentLength && *head.contentLength > 0);
  if (const auto expect = head.headers.get("expect")) {
    if (lowered(*expect) != "100-continue")
      return refuse(CodecEvent::malformedRequest, 417);
    head.expectContinue = head.version == Version::http11;
    head.headers.remove("expect");
  }
  if (const auto upgrade = head.headers.get("upgrade"); upgrade && hasToken(connection, "upgrade"))
    head.upgrade = std::string(*upgrade);
  removeHopByHop(head.headers);
  head.headers.remove("host");
  if (!head.hasBody)
    finished_ = parser_.is_done();
  return head;
}

std::optional<HeaderMap> Http1RequestReader::takeTrailers() {
  std::optional<HeaderMap> trailers;
  std::size_t index = 0;
  for (const auto& field : parser_.get()) {
    if (index++ < headerFieldCount_)
      continue;
    if (!trailers)
      trailers.emplace();
    trailers->add(field.name_string(), field.value());
  }
  return trailers;
}

boost::asio::awaitable<Result<BodyChunk>> Http1RequestReader::readBody(InputBuffer& input,
                                                                       Clock::time_point deadline) {
  if (finished_ || parser_.is_done()) {
    finished_ = true;
    co_return BodyChunk{{}, true, takeTrailers()};
  }
  body_.resize(kBodyChunk);
  while (true) {
    auto& body = parser_.get().body();
    body.data = body_.data();
    body.size = body_.size();
    if (!input.empty()) {
      boost::system::error_code error;
      const auto used =
          parser_.put(boost::asio::buffer(input.data().data(), input.data().size()), error);
      input.consume(used);
      if (error == beast_http::error::need_buffer || error == beast_http::error::need_more)
        error = {};
      if (error) {
        refusal_ = Refusal{CodecEvent::malformedRequest, 400};
        co_return make_error_code(errc::http_malformed_message);
      }
      const auto produced = body_.size() - parser_.get().body().size;
      if (parser_.is_done())
        finished_ = true;
      if (produced > 0 || finished_) {
        BodyChunk chunk{{body_.data(), produced}, finished_, std::nullopt};
        if (finished_)
          chunk.trailers = takeTrailers();
        for (const auto& trailer : chunk.trailers ? *chunk.trailers : HeaderMap{}) {
          if (!isValidFieldValue(trailer.second)) {
            refusal_ = Refusal{CodecEvent::malformedRequest, 400};
            co_return make_error_code(errc::http_malformed_message);
          }
        }
        co_return chunk;
      }
      if (used > 0)
        continue;
    }
    const auto error = co_await input.fill(deadline);
    if (error == errc::http_headers_too_large) {
      // A chunk header (with its extensions) longer than the whole buffer.
      refusal_ = Refusal{CodecEvent::malformedRequest, 400};
      co_return make_error_code(errc::http_malformed_message);
    }
    if (error == boost::asio::error::eof)
      co_return make_error_code(errc::http_connection_closed);
    if (error)
      co_return error;
  }
}

}  // namespace wasmesh::proxy::http
