#include "Http2ClientSession.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "Http2FieldList.h"

namespace wasmesh::proxy::http {

Http2ClientSession::Http2ClientSession(std::unique_ptr<ByteStream> stream,
                                       const HttpSettings& settings, CodecObserver& observer)
    : Http2Session(Role::client, *stream, settings, observer), owned_(std::move(stream)) {}

Http2ClientSession::~Http2ClientSession() = default;

Result<void> Http2ClientSession::run() {
  if (auto started = start(); !started)
    return started;
  const auto self = shared_from_this();
  boost::asio::co_spawn(executor(), readFor(self), boost::asio::detached);
  boost::asio::co_spawn(executor(), writeFor(self), boost::asio::detached);
  boost::asio::co_spawn(executor(), watchFor(self), boost::asio::detached);
  return {};
}

boost::asio::awaitable<void> Http2ClientSession::readFor(std::shared_ptr<Http2ClientSession> self) {
  co_await self->readLoop({});
}

boost::asio::awaitable<void> Http2ClientSession::writeFor(
    std::shared_ptr<Http2ClientSession> self) {
  co_await self->writeLoop();
}

boost::asio::awaitable<void> Http2ClientSession::watchFor(
    std::shared_ptr<Http2ClientSession> self) {
  co_await self->watchdog();
}

bool Http2ClientSession::available() const {
  if (closed() || native() == nullptr)
    return false;
  // GOAWAY either way, or stream ids used up.
  if (nghttp2_session_check_request_allowed(native()) == 0)
    return false;
  const auto limit =
      nghttp2_session_get_remote_settings(native(), NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return streamCount() < limit;
}

bool Http2ClientSession::closed() const {
  return finished() || terminating() || closing_ || goawayReceived_;
}

Result<std::shared_ptr<Http2Stream>> Http2ClientSession::startRequest(const RequestHead& head,
                                                                      bool endStream) {
  if (!available())
    return errc::http_upstream_unavailable;
  const Http2FieldList fields(head);
  const auto provider = bodyProvider();
  const std::int32_t id = nghttp2_submit_request(native(), nullptr, fields.data(), fields.size(),
                                                 endStream ? nullptr : &provider, nullptr);
  if (id < 0) {
    spdlog::debug("http2: request not submitted: {}", nghttp2_strerror(id));
    if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE)
      closing_ = true;
    return errc::http_upstream_unavailable;
  }
  auto stream = std::make_shared<Http2Stream>(*this, id);
  stream->onHeadSubmitted(endStream);
  addStream(stream);
  wakeWriter();
  return stream;
}

void Http2ClientSession::close() {
  if (std::exchange(closing_, true) || finished() || native() == nullptr)
    return;
  // Streams in flight finish; the session ends when the last one does.
  if (nghttp2_submit_goaway(native(), NGHTTP2_FLAG_NONE,
                            nghttp2_session_get_last_proc_stream_id(native()), NGHTTP2_NO_ERROR,
                            nullptr, 0) != 0) {
    terminate(NGHTTP2_NO_ERROR, std::nullopt, ServerConnectionEnd::closed);
    return;
  }
  wakeWriter();
}

void Http2ClientSession::abort() {
  setEnd(ServerConnectionEnd::aborted);
  abortTransport();
  finish(ServerConnectionEnd::aborted, make_error_code(errc::http_connection_closed));
}

int Http2ClientSession::onBeginHeaders(const nghttp2_frame& frame) {
  if (const auto stream = findStream(frame.hd.stream_id))
    stream->beginHeaderBlock();
  return 0;
}

int Http2ClientSession::onHeader(const nghttp2_frame& frame, std::string_view name,
                                 std::string_view value) {
  const auto stream = findStream(frame.hd.stream_id);
  if (!stream || stream->headerBlock().overLimit())
    return 0;
  if (!stream->headerBlock().add(name, value)) {
    report(CodecEvent::headersTooLarge);
    stream->fail(make_error_code(errc::http_headers_too_large));
    stream->reset(NGHTTP2_CANCEL);
  }
  return 0;
}

int Http2ClientSession::onHeadersReceived(const nghttp2_frame& frame) {
  const auto stream = findStream(frame.hd.stream_id);
  if (!stream || stream->headerBlock().overLimit())
    return 0;
  const bool endStream = (frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  auto& block = stream->headerBlock();
  if (stream->finalResponseReceived()) {
    stream->onEndOfInput(std::move(block).toTrailers());
    return 0;
  }
  auto head = std::move(block).toResponse();
  if (!head) {
    report(CodecEvent::streamProtocolError);
    stream->fail(make_error_code(errc::http_malformed_message));
    stream->reset(NGHTTP2_PROTOCOL_ERROR);
    return 0;
  }
  const bool informational = head->informational();
  head->endStream = endStream && !informational;
  stream->onResponseHead(std::move(*head));
  if (endStream && !informational)
    stream->onEndOfInput(std::nullopt);
  return 0;
}

void Http2ClientSession::onGoawayReceived(const nghttp2_goaway& goaway) {
  goawayReceived_ = true;
  if (goaway.error_code != NGHTTP2_NO_ERROR) {
    spdlog::debug("http2: upstream sent GOAWAY {} (last stream {})",
                  nghttp2_http2_strerror(goaway.error_code), goaway.last_stream_id);
  }
  // RFC 9113 section 6.8: streams above the last one were not processed; they may be retried.
  for (const auto& [id, stream] : streams()) {
    if (id > goaway.last_stream_id)
      stream->fail(make_error_code(errc::http_stream_refused));
  }
}

void Http2ClientSession::onRequestNotSent(std::int32_t streamId, int libraryError) {
  const auto stream = findStream(streamId);
  if (!stream)
    return;
  const bool refused = libraryError == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED ||
                       libraryError == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE ||
                       libraryError == NGHTTP2_ERR_SESSION_CLOSING ||
                       libraryError == NGHTTP2_ERR_STREAM_CLOSING;
  stream->fail(make_error_code(refused ? errc::http_stream_refused : errc::http_connection_closed));
  removeStream(streamId);
}

}  // namespace wasmesh::proxy::http
