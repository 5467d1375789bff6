#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/UpstreamConnection.h"

namespace wasmesh::proxy::http {

class Http2ClientSession;

// An HTTP/2 connection to an upstream (nghttp2), multiplexing up to the peer's
// SETTINGS_MAX_CONCURRENT_STREAMS. It owns its byte stream (an OwnedByteStream: the socket
// and any TLS over it) and runs its own read, write and timeout loops on the socket's
// executor. Streams above a GOAWAY's last stream id, and streams the peer refuses
// (REFUSED_STREAM), fail with errc::http_stream_refused: safe to retry elsewhere.
class Http2ClientConnection final : public UpstreamConnection {
 public:
  // Sends the connection preface and SETTINGS and starts reading. `observer` must outlive
  // the connection and the streams it hands out. Call on the socket's executor.
  static Result<std::unique_ptr<Http2ClientConnection>> make(std::unique_ptr<ByteStream> stream,
                                                             const HttpSettings& settings,
                                                             CodecObserver& observer);
  // Aborts what is still in flight (close() first, and wait for closed(), to drain).
  ~Http2ClientConnection() override;
  Http2ClientConnection(const Http2ClientConnection&) = delete;
  Http2ClientConnection& operator=(const Http2ClientConnection&) = delete;

  Version version() const override { return Version::http2; }
  bool available() const override;
  bool closed() const override;
  boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> startRequest(
      const RequestHead& head, bool endStream) override;
  void close() override;
  // Immediate: every stream fails and the socket is shut down.
  void abort();
  // Streams open or queued on this connection.
  std::size_t activeStreams() const;

 private:
  explicit Http2ClientConnection(std::shared_ptr<Http2ClientSession> session);

  std::shared_ptr<Http2ClientSession> session_;
};

}  // namespace wasmesh::proxy::http
