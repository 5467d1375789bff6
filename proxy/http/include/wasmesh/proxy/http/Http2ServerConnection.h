#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <span>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy::http {

class Http2ServerSession;

// A downstream HTTP/2 connection (nghttp2): h2c with prior knowledge over plain TCP, or h2
// over TLS. Each request's handler runs in its own coroutine on the stream's executor.
// Received body bytes are acknowledged to the client only as handlers read them, so a
// slow reader holds the client back (HttpSettings' windows bound what is buffered); what a
// handler sends waits for the client's window and the socket. Floods, oversized or invalid
// header blocks and timeouts get RFC 9113's answers and are reported to `observer`.
class Http2ServerConnection final : public ServerConnection {
 public:
  // `stream`, `observer` must outlive serve(). `alreadyRead`: what protocol detection
  // consumed, the client connection preface at least; it is copied.
  Http2ServerConnection(ByteStream& stream, const HttpSettings& settings, CodecObserver& observer,
                        std::span<const std::uint8_t> alreadyRead);
  ~Http2ServerConnection() override;
  Http2ServerConnection(const Http2ServerConnection&) = delete;
  Http2ServerConnection& operator=(const Http2ServerConnection&) = delete;

  // Returns once the connection is over and every handler has returned; the connection
  // must not be destroyed before. Ends by shutting down our sending side (after a GOAWAY);
  // the caller closes the socket.
  boost::asio::awaitable<ServerConnectionEnd> serve(RequestHandler handler) override;
  // GOAWAY twice (RFC 9113 section 6.8: a notice, then after a PING round trip, at most one
  // second, the last stream id): streams already opened finish, later ones are refused.
  void drain() override;
  // Every stream fails, the socket is shut down with SO_LINGER 0 (reset when closed).
  void abort() override;

 private:
  std::unique_ptr<Http2ServerSession> session_;
};

}  // namespace wasmesh::proxy::http
