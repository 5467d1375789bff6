#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// A connection taken over by another protocol after `101 Switching Protocols`: the byte
// stream underneath, and what the codec had already read from it past the HTTP message.
struct UpgradedStream {
  ByteStream* stream = nullptr;
  std::vector<std::uint8_t> buffered;
};

// One request on a downstream connection, as the codec (HTTP/1 or HTTP/2) delivers it, and
// the way back for its response. Methods are called on the connection's worker only; reads
// of the body and writes of the response may be in flight at the same time (from two
// coroutines), but never two reads or two writes at once.
class ServerStream {
 public:
  virtual ~ServerStream() = default;

  virtual const RequestHead& request() const = 0;

  // The next piece of the request body. A request without a body yields one empty chunk
  // with `end` set. Fails when the client reset the stream or the connection broke.
  virtual boost::asio::awaitable<Result<BodyChunk>> readBody() = 0;

  // A 1xx response (100 Continue, 103 Early Hints); may come before the final head.
  virtual boost::asio::awaitable<Result<void>> sendInformational(const ResponseHead& head) = 0;
  // The final response head. `endStream`: no body follows (HEAD, 204, 304, or empty).
  virtual boost::asio::awaitable<Result<void>> sendHeaders(const ResponseHead& head,
                                                           bool endStream) = 0;
  // Body bytes; completes once the codec holds them (backpressure: it waits while the
  // client's window or the socket is full).
  virtual boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data,
                                                        bool endStream) = 0;
  // Trailers end the response (HTTP/2 HEADERS with END_STREAM; HTTP/1 chunked trailer).
  virtual boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers) = 0;

  // Abandons the exchange: HTTP/2 RST_STREAM (INTERNAL_ERROR, or CANCEL when `cancel`);
  // HTTP/1 closes the connection, since a half-sent message cannot be framed any more.
  virtual void reset(bool cancel = false) = 0;

  // After a 101 was sent (HTTP/1 only): the client connection as raw bytes.
  // errc::http_not_upgradable otherwise.
  virtual Result<UpgradedStream> takeUpgraded() = 0;
};

}  // namespace wasmesh::proxy::http
