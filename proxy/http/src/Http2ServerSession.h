#pragma once

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "AsyncSignal.h"
#include "Http2ServerStream.h"
#include "Http2Session.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy::http {

// The server side of an HTTP/2 connection: each request's handler runs in its own coroutine
// on the connection's executor; serve() returns once the connection is over and every
// handler has returned.
class Http2ServerSession final : public Http2Session {
 public:
  Http2ServerSession(ByteStream& stream, const HttpSettings& settings, CodecObserver& observer,
                     std::span<const std::uint8_t> alreadyRead);
  ~Http2ServerSession() override;

  boost::asio::awaitable<ServerConnectionEnd> serve(RequestHandler handler);
  void drain();
  void abort();

  // For Http2ServerStream.
  Result<void> submitResponse(Http2Stream& stream, const ResponseHead& head, bool endStream);
  Result<void> submitInformational(Http2Stream& stream, const ResponseHead& head);

 private:
  enum class Drain { none, requested, noticed, done };

  int onBeginHeaders(const nghttp2_frame& frame) override;
  int onHeader(const nghttp2_frame& frame, std::string_view name, std::string_view value) override;
  int onHeadersReceived(const nghttp2_frame& frame) override;
  void onPingAcknowledged(const nghttp2_ping& ping) override;
  void afterInput() override;
  bool idle() const override { return streamCount() == 0 && handlers_ == 0; }
  std::optional<Clock::time_point> roleDeadline() const override { return finalGoawayAt_; }
  void onRoleDeadline() override { sendFinalGoaway(); }
  void onFinished() override { quiet_.notify(); }

  Result<void> checkUsable(const Http2Stream& stream) const;
  void refuseTooLarge(Http2Stream& stream);
  void spawn(boost::asio::awaitable<void> task);
  void spawnHandler(std::shared_ptr<Http2ServerStream> stream);
  boost::asio::awaitable<void> runHandler(std::shared_ptr<Http2ServerStream> stream);
  void beginDrain();
  void sendFinalGoaway();

  std::vector<std::uint8_t> alreadyRead_;
  RequestHandler handler_;
  // Requests whose head is complete, started once nghttp2 has returned (handlers never run
  // inside its callbacks).
  std::vector<std::shared_ptr<Http2ServerStream>> ready_;
  std::size_t handlers_ = 0;
  std::size_t tasks_ = 0;
  AsyncSignal quiet_;
  Drain drain_ = Drain::none;
  std::optional<Clock::time_point> finalGoawayAt_;
  bool aborted_ = false;
};

}  // namespace wasmesh::proxy::http
