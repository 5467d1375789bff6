#include "wasmesh/proxy/http/Http1ResponseReader.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <string>

#include "wasmesh/proxy/http/AsciiCase.h"
#include "wasmesh/proxy/http/HeaderRules.h"
#include "wasmesh/proxy/http/Http1Syntax.h"

namespace wasmesh::proxy::http {
namespace {

namespace beast_http = boost::beast::http;
constexpr std::size_t kBodyChunk = std::size_t{16} * 1024;

}  // namespace

Http1ResponseReader::Http1ResponseReader(const HttpSettings& settings, bool headRequest)
    : settings_(settings), headRequest_(headRequest) {
  startParser();
}

void Http1ResponseReader::startParser() {
  parser_ = std::make_unique<Parser>();
  parser_->header_limit(
      static_cast<std::uint32_t>(settings_.maxStartLineBytes + settings_.maxHeaderListBytes));
  parser_->body_limit(boost::none);
  parser_->eager(false);
  parser_->skip(headRequest_);
  headerFieldCount_ = 0;
}

boost::asio::awaitable<Result<ResponseHead>> Http1ResponseReader::readHead(
    InputBuffer& input, Clock::time_point deadline) {
  if (parser_->is_header_done())
    startParser();  // the previous head was a 1xx
  while (true) {
    const auto bytes = input.data();
    if (const auto end = Http1Syntax::headerEnd(bytes)) {
      const std::string_view section(reinterpret_cast<const char*>(bytes.data()), *end);
      if (Http1Syntax::longestLine(section) > Http1Syntax::kMaxFieldLineBytes)
        co_return make_error_code(errc::http_headers_too_large);
      if (Http1Syntax::checkHeaderSection(section, CodecEvent::malformedResponse))
        co_return make_error_code(errc::http_malformed_message);
      boost::system::error_code error;
      std::size_t used = 0;
      try {
        used = parser_->put(boost::asio::buffer(bytes.data(), *end), error);
      } catch (const std::exception&) {  // Beast throws for a field beyond its storage
        co_return make_error_code(errc::http_headers_too_large);
      }
      if (error || used != *end || !parser_->is_header_done())
        co_return make_error_code(errc::http_malformed_message);
      input.consume(*end);
      co_return buildHead();
    }
    const auto error = co_await input.fill(deadline);
    if (error == errc::http_header_timeout)
      co_return make_error_code(errc::http_response_timeout);
    if (error == errc::http_headers_too_large)
      co_return make_error_code(errc::http_headers_too_large);
    if (error == boost::asio::error::eof)
      co_return make_error_code(errc::http_connection_closed);
    if (error)
      co_return error;
  }
}

Result<ResponseHead> Http1ResponseReader::buildHead() {
  const auto& message = parser_->get();
  ResponseHead head;
  if (message.version() != 10 && message.version() != 11)
    return errc::http_malformed_message;
  head.version = message.version() == 10 ? Version::http10 : Version::http11;
  head.status = message.result_int();
  if (head.status < 100 || head.status > 999)
    return errc::http_malformed_message;
  std::size_t contentLengths = 0;
  std::size_t transferEncodings = 0;
  for (const auto& field : message) {
    const auto name = field.name_string();
    const auto value = field.value();
    if (!isValidFieldName(name) || !isValidFieldValue(value))
      return errc::http_malformed_message;
    head.headers.add(name, value);
    if (equalsIgnoringCase(name, "content-length")) {
      ++contentLengths;
      if (value.empty() ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return errc::http_malformed_message;
    } else if (equalsIgnoringCase(name, "transfer-encoding"))
      ++transferEncodings;
  }
  headerFieldCount_ = head.headers.size();
  if (head.headers.size() > settings_.maxHeaderCount ||
      head.headers.listSize() > settings_.maxHeaderListBytes)
    return errc::http_headers_too_large;
  if (contentLengths > 1 || transferEncodings > 1 || (contentLengths && transferEncodings))
    return errc::http_malformed_message;
  if (const auto length = parser_->content_length())
    head.contentLength = *length;
  keepAlive_ = parser_->keep_alive();
  // A 101's Upgrade and Connection are the switch itself: the server side writes its own.
  removeHopByHop(head.headers);
  if (!head.informational()) {
    finished_ = parser_->is_done();
    if (!finished_ && !parser_->chunked() && parser_->content_length())
      directRemaining_ = *parser_->content_length();
  }
  return head;
}

Result<BodyChunk> Http1ResponseReader::takeDirect(InputBuffer& input) {
  const auto available = input.data();
  const auto size =
      static_cast<std::size_t>(std::min<std::uint64_t>(available.size(), *directRemaining_));
  *directRemaining_ -= size;
  handedOut_ = size;
  finished_ = *directRemaining_ == 0;
  return BodyChunk{{available.data(), size}, finished_, std::nullopt};
}

void Http1ResponseReader::releaseBody(InputBuffer& input) noexcept {
  input.consume(handedOut_);
  handedOut_ = 0;
}

std::optional<HeaderMap> Http1ResponseReader::takeTrailers() {
  std::optional<HeaderMap> trailers;
  std::size_t index = 0;
  for (const auto& field : parser_->get()) {
    if (index++ < headerFieldCount_)
      continue;
    if (!trailers)
      trailers.emplace();
    trailers->add(field.name_string(), field.value());
  }
  return trailers;
}

boost::asio::awaitable<Result<BodyChunk>> Http1ResponseReader::readBody(
    InputBuffer& input, Clock::time_point deadline) {
  releaseBody(input);
  if (directRemaining_ && !finished_) {
    while (input.empty()) {
      const auto error = co_await input.fill(deadline);
      if (error == boost::asio::error::eof)
        co_return make_error_code(errc::http_connection_closed);
      if (error == errc::http_header_timeout)
        co_return make_error_code(errc::http_response_timeout);
      if (error)
        co_return error;
    }
    co_return takeDirect(input);
  }
  if (finished_ || parser_->is_done()) {
    finished_ = true;
    co_return BodyChunk{{}, true, takeTrailers()};
  }
  if (!body_)
    body_ = std::make_unique_for_overwrite<std::uint8_t[]>(kBodyChunk);
  while (true) {
    auto& body = parser_->get().body();
    body.data = body_.get();
    body.size = kBodyChunk;
    std::size_t used = 0;
    if (!input.empty()) {
      boost::system::error_code error;
      used = parser_->put(boost::asio::buffer(input.data().data(), input.data().size()), error);
      input.consume(used);
      if (error == beast_http::error::need_buffer || error == beast_http::error::need_more)
        error = {};
      if (error)
        co_return make_error_code(errc::http_malformed_message);
      const auto produced = kBodyChunk - parser_->get().body().size;
      finished_ = parser_->is_done();
      if (produced > 0 || finished_) {
        BodyChunk chunk{{body_.get(), produced}, finished_, std::nullopt};
        if (finished_)
          chunk.trailers = takeTrailers();
        co_return chunk;
      }
      if (used > 0)
        continue;
    }
    const auto error = co_await input.fill(deadline);
    if (error == boost::asio::error::eof && parser_->need_eof()) {
      // A close-delimited body ends here.
      boost::system::error_code eofError;
      parser_->put_eof(eofError);
      finished_ = !eofError;
      keepAlive_ = false;
      if (eofError)
        co_return make_error_code(errc::http_connection_closed);
      co_return BodyChunk{{}, true, std::nullopt};
    }
    if (error == boost::asio::error::eof)
      co_return make_error_code(errc::http_connection_closed);
    if (error == errc::http_header_timeout)
      co_return make_error_code(errc::http_response_timeout);
    if (error == errc::http_headers_too_large)
      co_return make_error_code(errc::http_malformed_message);
    if (error)
      co_return error;
  }
}

}  // namespace wasmesh::proxy::http
