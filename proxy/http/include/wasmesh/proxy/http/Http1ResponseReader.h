#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/InputBuffer.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// Reads the responses to one HTTP/1 request from an upstream: any 1xx heads, then the final
// one, then its body. Held to the same strictness as requests: an upstream whose framing is
// ambiguous gets errc::http_malformed_message, which the proxy answers with 502.
class Http1ResponseReader {
 public:
  using Clock = std::chrono::steady_clock;

  Http1ResponseReader(const HttpSettings& settings, bool headRequest);

  boost::asio::awaitable<Result<ResponseHead>> readHead(InputBuffer& input,
                                                        Clock::time_point deadline);
  // A chunk may point into `input`: it stays valid until the next call, or releaseBody.
  boost::asio::awaitable<Result<BodyChunk>> readBody(InputBuffer& input,
                                                     Clock::time_point deadline);
  // Gives `input` back the bytes of the last chunk, once the caller is done with them.
  void releaseBody(InputBuffer& input) noexcept;

  bool done() const noexcept { return finished_; }
  // Whether the upstream lets the connection be reused after this response.
  bool keepAlive() const noexcept { return keepAlive_; }

 private:
  using Parser = boost::beast::http::response_parser<boost::beast::http::buffer_body>;

  Result<ResponseHead> buildHead();
  Result<BodyChunk> takeDirect(InputBuffer& input);
  std::optional<HeaderMap> takeTrailers();
  void startParser();

  const HttpSettings& settings_;
  bool headRequest_;
  std::unique_ptr<Parser> parser_;  // one per head: a 1xx is a message of its own
  std::size_t headerFieldCount_ = 0;
  // Decoded body bytes handed out; allocated once, not zero-filled.
  std::unique_ptr<std::uint8_t[]> body_;
  // A Content-Length body is handed out straight from the input buffer, not copied through
  // the parser (a 64 KiB response was one memmove per byte: 6 % of the proxy): the bytes
  // still to come, and those of the chunk handed out last, consumed on the next call.
  std::optional<std::uint64_t> directRemaining_;
  std::size_t handedOut_ = 0;
  bool finished_ = false;
  bool keepAlive_ = false;
};

}  // namespace wasmesh::proxy::http
