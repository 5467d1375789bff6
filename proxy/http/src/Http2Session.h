#pragma once

#include <nghttp2/nghttp2.h>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "AsyncSignal.h"
#include "Http2ClosedStreams.h"
#include "Http2FloodGuard.h"
#include "Http2Stream.h"
#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy::http {

// What the HTTP/2 server and client codecs share: one nghttp2 session over a ByteStream,
// driven by a read loop (socket bytes into nghttp2) and a write loop (nghttp2's frames out,
// pulled only as fast as the socket takes them, so nothing queues up behind a slow peer),
// a watchdog for the timeouts, the flood accounting, and the streams. nghttp2's C callbacks
// are static trampolines into the member functions below. Everything runs on one executor.
class Http2Session {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Role { server, client };

  Http2Session(Role role, ByteStream& stream, const HttpSettings& settings,
               CodecObserver& observer);
  virtual ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // --- For the streams.
  const HttpSettings& settings() const noexcept { return settings_; }
  boost::asio::any_io_executor executor() { return stream_.socket().get_executor(); }
  void wakeWriter() { writeSignal_.notify(); }
  // The reader took `bytes` of the stream's body: the peer may send that much again.
  void consume(std::int32_t streamId, std::size_t bytes);
  void resumeData(std::int32_t streamId);
  void submitReset(std::int32_t streamId, std::uint32_t errorCode);
  bool submitTrailers(std::int32_t streamId, const HeaderMap& trailers);

 protected:
  // Creates the nghttp2 session and queues our SETTINGS and connection window.
  Result<void> start();
  // Reads until the peer's end, an error, or the session's end.
  boost::asio::awaitable<void> readLoop(std::span<const std::uint8_t> alreadyRead);
  // Writes until the session ends; then ends our sending side.
  boost::asio::awaitable<void> writeLoop();
  // Enforces the idle, header and closing timeouts.
  boost::asio::awaitable<void> watchdog();

  // GOAWAY with `errorCode` (last stream: the last one processed); the session ends once it
  // is out. `event`, if any, is reported now.
  void terminate(std::uint32_t errorCode, std::optional<CodecEvent> event, ServerConnectionEnd end);
  // The session is over: every stream not yet complete fails with `streamError`, the loops
  // stop. Idempotent; the first caller's `end` is what serve() reports.
  void finish(ServerConnectionEnd end, boost::system::error_code streamError);
  // Immediate: the socket is shut down both ways (and reset when closed), waits complete.
  void abortTransport();
  void report(CodecEvent event) { observer_.onEvent(event); }
  // The first caller decides how serve() reports the end.
  void setEnd(ServerConnectionEnd end);
  // The peer caused a stream to end early; too many of those is a rapid-reset flood.
  void countPeerReset();

  std::shared_ptr<Http2Stream> findStream(std::int32_t id) const;
  void addStream(std::shared_ptr<Http2Stream> stream);
  // Forgets a stream nghttp2 will not report closed (a request that was never sent).
  void removeStream(std::int32_t id);
  const std::unordered_map<std::int32_t, std::shared_ptr<Http2Stream>>& streams() const noexcept {
    return streams_;
  }
  // Called when the stream count or the handler count changes (idle accounting).
  void noteActivity() { activitySince_ = Clock::now(); }
  void rearmWatchdog() { watchdogTimer_.cancel(); }

  nghttp2_session* native() const noexcept { return session_.get(); }
  // The data source every body we send is read from (Http2Stream::produce).
  static nghttp2_data_provider bodyProvider() noexcept;
  bool finished() const noexcept { return finished_; }
  bool writerDone() const noexcept { return writerDone_; }
  bool terminating() const noexcept { return terminating_; }
  ServerConnectionEnd end() const noexcept { return end_; }
  std::size_t streamCount() const noexcept { return streams_.size(); }
  ByteStream& transport() noexcept { return stream_; }

  // --- What differs between server and client.
  virtual int onBeginHeaders(const nghttp2_frame& frame) = 0;
  virtual int onHeader(const nghttp2_frame& frame, std::string_view name,
                       std::string_view value) = 0;
  virtual int onHeadersReceived(const nghttp2_frame& frame) = 0;
  virtual void onGoawayReceived(const nghttp2_goaway& /*goaway*/) {}
  virtual void onPingAcknowledged(const nghttp2_ping& /*ping*/) {}
  virtual void onRequestNotSent(std::int32_t /*streamId*/, int /*libraryError*/) {}
  // After each batch of input went through nghttp2 (outside its callbacks).
  virtual void afterInput() {}
  // No stream and no work in progress: the idle timeout runs.
  virtual bool idle() const { return streams_.empty(); }
  // A deadline of the role's own (server: the graceful drain's second GOAWAY).
  virtual std::optional<Clock::time_point> roleDeadline() const { return std::nullopt; }
  virtual void onRoleDeadline() {}
  // The session ended (finish()): wake whoever waits for it.
  virtual void onFinished() {}

 private:
  struct SessionDelete {
    void operator()(nghttp2_session* session) const noexcept { nghttp2_session_del(session); }
  };

  bool input(std::span<const std::uint8_t> bytes);
  void inputFailed(int libraryError);
  void ioFailed(boost::system::error_code error);
  void cancelSocketWaits();
  Clock::time_point nextDeadline() const;
  void checkDeadlines(Clock::time_point now);

  // Callbacks, called through the trampolines in Http2Session.cc.
  int onBeginFrame(const nghttp2_frame_hd& header);
  // Server: RFC 9113's answer to a frame on a stream nghttp2 no longer holds.
  void judgeClosedStream(const nghttp2_frame_hd& header);
  int onFrameReceived(const nghttp2_frame& frame);
  int onDataChunk(std::int32_t streamId, std::span<const std::uint8_t> data);
  int onStreamClose(std::int32_t streamId, std::uint32_t errorCode);
  int onFrameSent(const nghttp2_frame& frame);
  int onFrameNotSent(const nghttp2_frame& frame, int libraryError);
  int onInvalidFrame(const nghttp2_frame& frame, int libraryError);
  ssize_t produce(std::int32_t streamId, std::uint8_t* buffer, std::size_t length,
                  std::uint32_t* flags);
  friend struct Http2Callbacks;

  Role role_;
  ByteStream& stream_;
  HttpSettings settings_;
  CodecObserver& observer_;
  std::unique_ptr<nghttp2_session, SessionDelete> session_;
  Http2FloodGuard floodGuard_;
  std::unordered_map<std::int32_t, std::shared_ptr<Http2Stream>> streams_;
  // Streams we reset ourselves: an RST_STREAM nghttp2 sends for any other stream answers
  // something the peer did wrong.
  std::unordered_set<std::int32_t> ownResets_;
  // Server: frames on streams nghttp2 already forgot (closed, or reset by us).
  Http2ClosedStreams closedStreams_;

  AsyncSignal writeSignal_;
  boost::asio::steady_timer watchdogTimer_;
  Clock::time_point activitySince_;
  Clock::time_point lastIo_;
  std::optional<Clock::time_point> headerBlockSince_;
  Clock::time_point closingSince_;  // GOAWAY queued or session finished
  // Written after the last frame when nghttp2 could not send its own GOAWAY.
  std::vector<std::uint8_t> finalBytes_;

  bool writing_ = false;
  bool writerDone_ = false;
  bool terminating_ = false;
  bool finished_ = false;
  bool transportAborted_ = false;
  bool endSet_ = false;
  ServerConnectionEnd end_ = ServerConnectionEnd::closed;
};

}  // namespace wasmesh::proxy::http
