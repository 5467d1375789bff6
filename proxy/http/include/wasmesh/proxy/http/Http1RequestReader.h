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
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/InputBuffer.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// Reads one HTTP/1 request from a client connection: the head, strictly (anything two
// parsers could frame differently is refused, never forwarded), then the body in pieces.
// Beast parses; Http1Syntax and the checks here refuse what Beast would accept.
class Http1RequestReader {
 public:
  using Clock = std::chrono::steady_clock;

  // Why a request was refused, and the status that answers it.
  struct Refusal {
    CodecEvent event;
    unsigned status;  // 400, 405, 408, 413, 414, 431 or 505
  };

  explicit Http1RequestReader(const HttpSettings& settings);

  // The head, hop-by-hop fields removed. `idleDeadline`: the first byte must come by then;
  // the rest of the section within the request header timeout. Errors: eof (the client
  // closed between requests), errc::http_header_timeout (idle), or errc::http_malformed_message
  // with refusal() telling the answer.
  boost::asio::awaitable<Result<RequestHead>> readHead(InputBuffer& input,
                                                       Clock::time_point idleDeadline);
  // The next piece of the body; after the last one, an empty chunk with `end`.
  boost::asio::awaitable<Result<BodyChunk>> readBody(InputBuffer& input,
                                                     Clock::time_point deadline);

  bool bodyDone() const noexcept { return finished_; }
  // Whether the client wants the connection kept (HTTP/1.1 unless `Connection: close`,
  // HTTP/1.0 only with `Connection: keep-alive`).
  bool clientKeepAlive() const noexcept { return keepAlive_; }
  const std::optional<Refusal>& refusal() const noexcept { return refusal_; }

 private:
  Result<RequestHead> refuse(CodecEvent event, unsigned status);
  Result<RequestHead> buildHead();
  std::optional<HeaderMap> takeTrailers();

  const HttpSettings& settings_;
  boost::beast::http::request_parser<boost::beast::http::buffer_body> parser_;
  std::optional<Refusal> refusal_;
  std::size_t headerFieldCount_ = 0;
  // Decoded body bytes handed out; allocated once, not zero-filled.
  std::unique_ptr<std::uint8_t[]> body_;
  bool finished_ = false;
  bool keepAlive_ = false;
};

}  // namespace wasmesh::proxy::http
