#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// Writes one HTTP/1 message (a response on a server connection, a request on a client one):
// the head, then the body framed by Content-Length, chunked encoding, or the connection's
// close, then trailers when chunked. The head is held back until the first body bytes (or
// the end) so that a small message leaves in one write.
class Http1Writer {
 public:
  enum class Framing { none, contentLength, chunked, closeDelimited };

  explicit Http1Writer(ByteStream& stream) : stream_(stream) {}

  // A response head. `request`: what it answers (HEAD, the client's version and keep-alive
  // wish). `endStream`: no body follows. `keepAlive`: whether this side wants to go on.
  boost::asio::awaitable<Result<void>> writeResponseHead(const ResponseHead& head,
                                                         const RequestHead& request, bool endStream,
                                                         bool keepAlive);
  // A request head to an upstream (`head.authority` becomes Host).
  boost::asio::awaitable<Result<void>> writeRequestHead(const RequestHead& head, bool endStream);
  // A 1xx response, written at once.
  boost::asio::awaitable<Result<void>> writeInformational(const ResponseHead& head);
  boost::asio::awaitable<Result<void>> writeData(std::span<const std::uint8_t> data,
                                                 bool endStream);
  boost::asio::awaitable<Result<void>> writeTrailers(const HeaderMap& trailers);

  // The message was written to its end, correctly framed.
  bool complete() const noexcept { return complete_; }
  // The connection must close after this message (close-delimited, a Connection: close, or a
  // body shorter than its Content-Length).
  bool closesConnection() const noexcept { return closes_; }
  Framing framing() const noexcept { return framing_; }

 private:
  // Writes what is pending, then `body` and `tail`.
  boost::asio::awaitable<Result<void>> flush(std::span<const std::uint8_t> body = {},
                                             std::string_view tail = {});
  // Bodies smaller than this are copied after the head; larger ones are sent from where they
  // are (a copy of every body byte was 6 % of the proxy with 64 KiB responses).
  static constexpr std::size_t kCopiedBodyBytes = 4096;
  void appendFields(const HeaderMap& headers);

  ByteStream& stream_;
  std::string pending_;
  Framing framing_ = Framing::none;
  std::uint64_t remaining_ = 0;  // contentLength framing: bytes still owed
  bool complete_ = false;
  bool closes_ = false;
  bool headWritten_ = false;
};

}  // namespace wasmesh::proxy::http
