#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/http/Message.h"
#include "wasmesh/proxy/http/ServerStream.h"

namespace wasmesh::proxy::http {

// One request on an upstream connection, after its head was sent: the rest of the request
// goes out here and the response comes back. The same concurrency rules as ServerStream.
class ClientStream {
 public:
  virtual ~ClientStream() = default;

  virtual boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data,
                                                        bool endStream) = 0;
  virtual boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers) = 0;

  // The next response head: 1xx heads first (each returned once), then the final one.
  virtual boost::asio::awaitable<Result<ResponseHead>> readHeaders() = 0;
  // The response body, as ServerStream::readBody.
  virtual boost::asio::awaitable<Result<BodyChunk>> readBody() = 0;

  // Abandons the exchange (HTTP/2 RST_STREAM CANCEL; HTTP/1 closes the connection unless the
  // exchange was complete).
  virtual void reset() = 0;

  // After a 101 response (HTTP/1 only): the upstream connection as raw bytes.
  virtual Result<UpgradedStream> takeUpgraded() = 0;
};

}  // namespace wasmesh::proxy::http
