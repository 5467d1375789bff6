#include "Http2ServerSession.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <cstring>

#include "Http2FieldList.h"

namespace wasmesh::proxy::http {
namespace {

// The PING that follows the drain's first GOAWAY: its acknowledgement proves the client has
// seen the notice, so the second GOAWAY can name the last stream it opened.
constexpr std::array<std::uint8_t, 8> kDrainPing{'w', 'm', 'd', 'r', 'a', 'i', 'n', '1'};
// How long the second GOAWAY waits for that acknowledgement at most.
constexpr std::chrono::milliseconds kDrainRoundTrip{1000};

}  // namespace

Http2ServerSession::Http2ServerSession(ByteStream& stream, const HttpSettings& settings,
                                       CodecObserver& observer,
                                       std::span<const std::uint8_t> alreadyRead)
    : Http2Session(Role::server, stream, settings, observer),
      alreadyRead_(alreadyRead.begin(), alreadyRead.end()),
      quiet_(stream.socket().get_executor()) {}

Http2ServerSession::~Http2ServerSession() = default;

boost::asio::awaitable<ServerConnectionEnd> Http2ServerSession::serve(RequestHandler handler) {
  if (aborted_)
    co_return ServerConnectionEnd::aborted;
  handler_ = std::move(handler);
  if (!start()) {
    abortTransport();
    co_return ServerConnectionEnd::aborted;
  }
  if (drain_ == Drain::requested)
    beginDrain();
  spawn(writeLoop());
  spawn(watchdog());
  co_await readLoop(alreadyRead_);
  alreadyRead_ = {};
  // The writer ends the session (it sends what is queued, the GOAWAY last); then every
  // handler still running sees its stream fail, and returns.
  while (tasks_ > 0 || handlers_ > 0)
    co_await quiet_.wait();
  co_return end();
}

void Http2ServerSession::drain() {
  if (finished())
    return;
  if (native() == nullptr) {
    drain_ = Drain::requested;  // serve() has not started: it drains at once
    return;
  }
  beginDrain();
}

void Http2ServerSession::abort() {
  aborted_ = true;
  setEnd(ServerConnectionEnd::aborted);
  abortTransport();
  finish(ServerConnectionEnd::aborted, make_error_code(errc::http_connection_closed));
}

void Http2ServerSession::beginDrain() {
  if (drain_ == Drain::noticed || drain_ == Drain::done)
    return;
  drain_ = Drain::noticed;
  // RFC 9113 section 6.8's graceful shutdown: a GOAWAY naming the largest stream id first,
  // then, a round trip later, the real last stream.
  if (nghttp2_submit_shutdown_notice(native()) != 0 ||
      nghttp2_submit_ping(native(), NGHTTP2_FLAG_NONE, kDrainPing.data()) != 0) {
    sendFinalGoaway();
    return;
  }
  finalGoawayAt_ = Clock::now() + kDrainRoundTrip;
  wakeWriter();
  rearmWatchdog();
}

void Http2ServerSession::sendFinalGoaway() {
  if (drain_ == Drain::done || finished())
    return;
  drain_ = Drain::done;
  finalGoawayAt_.reset();
  const int rv = nghttp2_submit_goaway(native(), NGHTTP2_FLAG_NONE,
                                       nghttp2_session_get_last_proc_stream_id(native()),
                                       NGHTTP2_NO_ERROR, nullptr, 0);
  if (rv != 0) {
    terminate(NGHTTP2_NO_ERROR, std::nullopt, ServerConnectionEnd::closed);
    return;
  }
  wakeWriter();
}

void Http2ServerSession::onPingAcknowledged(const nghttp2_ping& ping) {
  if (drain_ == Drain::noticed &&
      std::memcmp(ping.opaque_data, kDrainPing.data(), kDrainPing.size()) == 0) {
    sendFinalGoaway();
  }
}

// ------------------------------------------------------------------------- requests

int Http2ServerSession::onBeginHeaders(const nghttp2_frame& frame) {
  const auto id = frame.hd.stream_id;
  if (frame.headers.cat != NGHTTP2_HCAT_REQUEST) {
    if (const auto stream = findStream(id))
      stream->beginHeaderBlock();  // trailers
    return 0;
  }
  // nghttp2 enforces MAX_CONCURRENT_STREAMS on open streams only; the handlers of streams
  // the client has already reset still run. Bounding the handlers bounds the work a rapid
  // reset can start (CVE-2023-44487).
  if (handlers_ + ready_.size() >= settings().maxConcurrentStreams) {
    submitReset(id, NGHTTP2_REFUSED_STREAM);
    countPeerReset();
    return 0;
  }
  auto stream = std::make_shared<Http2Stream>(*this, id);
  stream->beginHeaderBlock();
  addStream(std::move(stream));
  return 0;
}

int Http2ServerSession::onHeader(const nghttp2_frame& frame, std::string_view name,
                                 std::string_view value) {
  if (const auto stream = findStream(frame.hd.stream_id)) {
    // Past the limit the rest of the block is decoded (HPACK state must stay in step) but
    // not kept; the request is answered once the block is complete.
    stream->headerBlock().add(name, value);
  }
  return 0;
}

int Http2ServerSession::onHeadersReceived(const nghttp2_frame& frame) {
  const auto stream = findStream(frame.hd.stream_id);
  if (!stream)
    return 0;  // refused
  const bool endStream = (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  auto& block = stream->headerBlock();
  if (frame.headers.cat != NGHTTP2_HCAT_REQUEST) {
    if (block.overLimit()) {
      report(CodecEvent::headersTooLarge);
      countPeerReset();
      stream->reset(NGHTTP2_PROTOCOL_ERROR);
      return 0;
    }
    stream->onEndOfInput(std::move(block).toTrailers());
    return 0;
  }
  if (endStream)
    stream->onEndOfInput(std::nullopt);
  if (block.overLimit()) {
    report(CodecEvent::headersTooLarge);
    countPeerReset();
    refuseTooLarge(*stream);
    return 0;
  }
  auto request = std::move(block).toRequest(endStream);
  if (!request) {
    spdlog::debug("http2: stream {}: request head refused", frame.hd.stream_id);
    report(CodecEvent::streamProtocolError);
    countPeerReset();
    stream->reset(NGHTTP2_PROTOCOL_ERROR);  // RFC 9113 section 8.1.1: malformed
    stream->release(NGHTTP2_PROTOCOL_ERROR, NGHTTP2_PROTOCOL_ERROR);
    return 0;
  }
  ready_.push_back(std::make_shared<Http2ServerStream>(*this, stream, std::move(*request)));
  return 0;
}

void Http2ServerSession::refuseTooLarge(Http2Stream& stream) {
  // RFC 9113 section 10.5.1 allows a 431 instead of a stream error; clients show it better.
  ResponseHead head;
  head.status = 431;
  head.headers.add("content-length", "0");
  if (!submitResponse(stream, head, true))
    stream.reset(NGHTTP2_PROTOCOL_ERROR);
  stream.release(NGHTTP2_PROTOCOL_ERROR, NGHTTP2_NO_ERROR);
}

void Http2ServerSession::afterInput() {
  auto ready = std::move(ready_);
  ready_.clear();
  for (auto& stream : ready) {
    // After our GOAWAY (a flood, a timeout) nghttp2 may still have parsed a few streams
    // from the same read: they are above its last stream id, so they are not served.
    if (finished() || terminating()) {
      stream->core().release(NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR);
      continue;
    }
    spawnHandler(std::move(stream));
  }
}

void Http2ServerSession::spawn(boost::asio::awaitable<void> task) {
  ++tasks_;
  boost::asio::co_spawn(executor(), std::move(task), [this](const std::exception_ptr& error) {
    if (error)
      spdlog::error("http2: a connection task ended with an exception");
    --tasks_;
    quiet_.notify();
  });
}

// By value: the completion handler keeps the stream alive until the handler has returned.
void Http2ServerSession::spawnHandler(
    std::shared_ptr<Http2ServerStream> stream) {  // NOLINT(performance-unnecessary-value-param)
  ++handlers_;
  noteActivity();
  auto task = runHandler(stream);
  boost::asio::co_spawn(
      executor(), std::move(task), [this, stream](const std::exception_ptr& error) {
        if (error) {
          spdlog::warn("http2: the handler of stream {} threw", stream->core().id());
        }
        // A response the handler left unfinished is reset; a request
        // body it did not read is acknowledged and, once the response
        // is out, cut short with NO_ERROR (RFC 9113 section 8.1).
        stream->core().release(NGHTTP2_INTERNAL_ERROR, NGHTTP2_NO_ERROR);
        --handlers_;
        noteActivity();
        wakeWriter();
        quiet_.notify();
      });
}

boost::asio::awaitable<void> Http2ServerSession::runHandler(
    std::shared_ptr<Http2ServerStream> stream) {
  co_await handler_(*stream);
}

// ------------------------------------------------------------------------- responses

Result<void> Http2ServerSession::checkUsable(const Http2Stream& stream) const {
  if (finished())
    return errc::http_connection_closed;
  if (stream.error())
    return stream.error();
  if (stream.closed())
    return errc::http_stream_reset;
  return {};
}

Result<void> Http2ServerSession::submitResponse(Http2Stream& stream, const ResponseHead& head,
                                                bool endStream) {
  if (auto usable = checkUsable(stream); !usable)
    return usable;
  const Http2FieldList fields(head);
  const auto provider = bodyProvider();
  const int rv = nghttp2_submit_response(native(), stream.id(), fields.data(), fields.size(),
                                         endStream ? nullptr : &provider);
  if (rv != 0) {
    spdlog::debug("http2: stream {}: response not submitted: {}", stream.id(),
                  nghttp2_strerror(rv));
    return errc::http_stream_reset;
  }
  stream.onHeadSubmitted(endStream);
  wakeWriter();
  return {};
}

Result<void> Http2ServerSession::submitInformational(Http2Stream& stream,
                                                     const ResponseHead& head) {
  if (auto usable = checkUsable(stream); !usable)
    return usable;
  const Http2FieldList fields(head);
  const int rv = nghttp2_submit_headers(native(), NGHTTP2_FLAG_NONE, stream.id(), nullptr,
                                        fields.data(), fields.size(), nullptr);
  if (rv < 0) {
    spdlog::debug("http2: stream {}: {} not submitted: {}", stream.id(), head.status,
                  nghttp2_strerror(rv));
    return errc::http_stream_reset;
  }
  wakeWriter();
  return {};
}

}  // namespace wasmesh::proxy::http
