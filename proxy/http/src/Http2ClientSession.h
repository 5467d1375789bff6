#pragma once

#include <memory>

#include "Http2Session.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// The client side of an HTTP/2 connection to an upstream. Shared by the connection object
// and the streams it hands out, and kept alive by its own loops while they run, so a stream
// outliving its connection object fails cleanly instead of dangling.
class Http2ClientSession final : public Http2Session,
                                 public std::enable_shared_from_this<Http2ClientSession> {
 public:
  Http2ClientSession(std::unique_ptr<ByteStream> stream, const HttpSettings& settings,
                     CodecObserver& observer);
  ~Http2ClientSession() override;

  // Queues the preface and SETTINGS and starts the read, write and watchdog loops.
  Result<void> run();

  bool available() const;
  bool closed() const;
  Result<std::shared_ptr<Http2Stream>> startRequest(const RequestHead& head, bool endStream);
  void close();
  void abort();
  std::size_t activeStreams() const noexcept { return streamCount(); }

 private:
  int onBeginHeaders(const nghttp2_frame& frame) override;
  int onHeader(const nghttp2_frame& frame, std::string_view name, std::string_view value) override;
  int onHeadersReceived(const nghttp2_frame& frame) override;
  void onGoawayReceived(const nghttp2_goaway& goaway) override;
  void onRequestNotSent(std::int32_t streamId, int libraryError) override;

  static boost::asio::awaitable<void> readFor(std::shared_ptr<Http2ClientSession> self);
  static boost::asio::awaitable<void> writeFor(std::shared_ptr<Http2ClientSession> self);
  static boost::asio::awaitable<void> watchFor(std::shared_ptr<Http2ClientSession> self);

  std::unique_ptr<ByteStream> owned_;
  bool closing_ = false;
  bool goawayReceived_ = false;
};

}  // namespace wasmesh::proxy::http
