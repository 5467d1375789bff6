#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>

#include "wasmesh/proxy/http/ServerStream.h"

namespace wasmesh::proxy::http {

// Handles one request. The stream is valid until the returned awaitable completes.
using RequestHandler = std::function<boost::asio::awaitable<void>(ServerStream&)>;

// How a downstream connection ended.
enum class ServerConnectionEnd {
  closed,    // the client closed (or finished after a drain)
  upgraded,  // a handler took the connection over after a 101
  timedOut,  // idle or header timeout
  refused,   // a protocol error or flood: the codec answered it and closed
  aborted,   // abort() or a socket error
};

// A downstream HTTP connection: the codec that turns bytes from a client into requests and
// responses back into bytes. HTTP/1 serves requests one after the other (pipelined ones
// are read as the previous response completes); HTTP/2 runs each stream's handler in its own
// coroutine on the same worker.
class ServerConnection {
 public:
  virtual ~ServerConnection() = default;

  // Serves until the connection ends.
  virtual boost::asio::awaitable<ServerConnectionEnd> serve(RequestHandler handler) = 0;
  // Graceful: HTTP/2 GOAWAY, HTTP/1 `Connection: close` on the next response; requests in
  // flight finish, new ones are refused.
  virtual void drain() = 0;
  // Immediate: every stream fails, the socket is reset.
  virtual void abort() = 0;
};

}  // namespace wasmesh::proxy::http
