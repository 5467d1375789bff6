#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/http/ClientStream.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// A connection to an upstream, HTTP/1 or HTTP/2, over a byte stream it owns. Pooled per
// endpoint by the worker that made it. HTTP/1 carries one exchange at a time; HTTP/2
// multiplexes up to the peer's SETTINGS_MAX_CONCURRENT_STREAMS.
class UpstreamConnection {
 public:
  virtual ~UpstreamConnection() = default;

  virtual Version version() const = 0;
  // Whether a request may start now: HTTP/1 idle and reusable; HTTP/2 open, under the peer's
  // stream limit, and no GOAWAY received.
  virtual bool available() const = 0;
  // The peer closed, a protocol error, or close(): never usable again.
  virtual bool closed() const = 0;

  // Sends `head` (`endStream`: no body follows). HTTP/1 sends `head.version` as given.
  // errc::http_upstream_unavailable when not available().
  virtual boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> startRequest(
      const RequestHead& head, bool endStream) = 0;

  // HTTP/2: GOAWAY, streams in flight finish; HTTP/1: closes when idle, else after the
  // exchange in flight.
  virtual void close() = 0;
};

}  // namespace wasmesh::proxy::http
