#include "Http2Session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "Http2Callbacks.h"
#include "Http2FieldList.h"

namespace wasmesh::proxy::http {
namespace {

// A read takes what the socket has, up to this; a write gathers frames up to this.
constexpr std::size_t kReadBufferBytes = std::size_t{16} * 1024;
constexpr std::size_t kWriteBatchBytes = std::size_t{64} * 1024;
// HPACK dynamic tables, both ways: the RFC 7541 default, which bounds what a peer's
// encoder can make us hold and what ours holds.
constexpr std::uint32_t kHeaderTableBytes = 4096;
// Entries in one SETTINGS frame (RFC 9113 defines 6; duplicates are legal, floods are not).
constexpr std::size_t kMaxSettingsEntries = 32;
// SETTINGS and PING acknowledgements queued for a peer that does not read them, beyond
// the control-frame budget.
constexpr std::size_t kMaxOutboundAcks = 1000;
// Frames nghttp2 may hold for a peer that does not read: more than one read's worth of
// the smallest frames (16 KiB / 9 bytes), so only a peer that stops reading reaches it.
constexpr std::size_t kMaxOutboundQueue = 2000;
// The largest header block we send (nghttp2's default, set explicitly).
constexpr std::size_t kMaxSendHeaderBlock = std::size_t{64} * 1024;

// RFC 9113 section 6.5.2: SETTINGS_MAX_FRAME_SIZE lies in [2^14, 2^24 - 1].
constexpr std::uint32_t kMinFrameSize = 1U << 14;
constexpr std::uint32_t kMaxFrameSize = (1U << 24) - 1;

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

template <typename TimePoint, typename Duration>
TimePoint saturatingAdd(TimePoint start, Duration duration) {
  if (start > TimePoint::max() - duration)
    return TimePoint::max();
  return start + duration;
}

}  // namespace

nghttp2_data_provider Http2Session::bodyProvider() noexcept {
  nghttp2_data_provider provider{};
  provider.read_callback = Http2Callbacks::readData;
  return provider;
}

Http2Session::Http2Session(Role role, ByteStream& stream, const HttpSettings& settings,
                           CodecObserver& observer)
    : role_(role),
      stream_(stream),
      settings_(settings),
      observer_(observer),
      floodGuard_(settings),
      writeSignal_(stream.socket().get_executor()),
      watchdogTimer_(stream.socket().get_executor()),
      activitySince_(Clock::now()),
      lastIo_(activitySince_) {}

Http2Session::~Http2Session() = default;

Result<void> Http2Session::start() {
  // Small frames (WINDOW_UPDATE, SETTINGS ACK, a HEADERS alone) must not wait for Nagle's
  // algorithm and the peer's delayed ACK: that stalls every window round trip by 40 ms.
  boost::system::error_code ignored;
  stream_.socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  nghttp2_session_callbacks* rawCallbacks = nullptr;
  if (nghttp2_session_callbacks_new(&rawCallbacks) != 0)
    return errc::http_connection_closed;
  const std::unique_ptr<nghttp2_session_callbacks, decltype(&nghttp2_session_callbacks_del)>
      callbacks(rawCallbacks, nghttp2_session_callbacks_del);
  Http2Callbacks::install(callbacks.get());

  nghttp2_option* rawOption = nullptr;
  if (nghttp2_option_new(&rawOption) != 0)
    return errc::http_connection_closed;
  const std::unique_ptr<nghttp2_option, decltype(&nghttp2_option_del)> option(rawOption,
                                                                              nghttp2_option_del);
  // Received DATA is acknowledged only as the reader takes it (Http2Stream::readBody).
  nghttp2_option_set_no_auto_window_update(option.get(), 1);
  nghttp2_option_set_max_continuations(option.get(), settings_.maxContinuationFrames);
  // Above the control-frame budget, so a flood gets its GOAWAY from us before nghttp2
  // gives up on a peer that does not read its acknowledgements.
  nghttp2_option_set_max_outbound_ack(
      option.get(),
      kMaxOutboundAcks + static_cast<std::size_t>(settings_.maxControlFramesPerSecond));
  nghttp2_option_set_max_settings(option.get(), kMaxSettingsEntries);
  nghttp2_option_set_max_deflate_dynamic_table_size(option.get(), kHeaderTableBytes);
  nghttp2_option_set_max_send_header_block_length(option.get(), kMaxSendHeaderBlock);
  nghttp2_option_set_no_closed_streams(option.get(), 1);
  nghttp2_session* raw = nullptr;
  int rv = 0;
  if (role_ == Role::server) {
    // nghttp2's own rapid-reset limit (Debian's backport of 1.57's), set looser than ours
    // so that ours, which is counted, trips first.
    const auto resets = static_cast<std::uint64_t>(settings_.maxResetsPerSecond) * 2;
    nghttp2_option_set_stream_reset_rate_limit(option.get(), resets, resets);
    rv = nghttp2_session_server_new2(&raw, callbacks.get(), this, option.get());
  } else {
    nghttp2_option_set_peer_max_concurrent_streams(option.get(), settings_.maxConcurrentStreams);
    nghttp2_option_set_max_reserved_remote_streams(option.get(), 0);
    rv = nghttp2_session_client_new2(&raw, callbacks.get(), this, option.get());
  }
  if (rv != 0)
    return errc::http_connection_closed;
  session_.reset(raw);

  const std::uint32_t frameSize = std::clamp(settings_.maxFrameSize, kMinFrameSize, kMaxFrameSize);
  // The stream window is what a stream buffers for a reader that has not caught up.
  std::size_t streamWindow =
      std::min<std::size_t>(settings_.initialStreamWindow, NGHTTP2_MAX_WINDOW_SIZE);
  if (settings_.maxBufferedBodyBytes > 0)
    streamWindow = std::min(streamWindow, settings_.maxBufferedBodyBytes);
  std::vector<nghttp2_settings_entry> entries{
      {NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, kHeaderTableBytes},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(streamWindow)},
      {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, frameSize},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE,
       static_cast<std::uint32_t>(std::min<std::size_t>(settings_.maxHeaderListBytes, UINT32_MAX))},
      // Priorities are not used; nghttp2 then keeps no priority tree and no closed streams.
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  if (role_ == Role::server) {
    entries.push_back({NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, settings_.maxConcurrentStreams});
  } else {
    entries.push_back({NGHTTP2_SETTINGS_ENABLE_PUSH, 0});
  }
  if (nghttp2_submit_settings(native(), NGHTTP2_FLAG_NONE, entries.data(), entries.size()) != 0)
    return errc::http_connection_closed;
  const auto connectionWindow = static_cast<std::int32_t>(
      std::min<std::uint32_t>(settings_.connectionWindow, NGHTTP2_MAX_WINDOW_SIZE));
  if (nghttp2_session_set_local_window_size(native(), NGHTTP2_FLAG_NONE, 0, connectionWindow) != 0)
    return errc::http_connection_closed;
  return {};
}

// ---------------------------------------------------------------------------- the loops

boost::asio::awaitable<void> Http2Session::readLoop(std::span<const std::uint8_t> alreadyRead) {
  if (!alreadyRead.empty() && !input(alreadyRead))
    co_return;
  std::vector<std::uint8_t> buffer(kReadBufferBytes);
  while (!finished_ && !terminating_ && nghttp2_session_want_read(native()) != 0) {
    boost::system::error_code error;
    const auto count = stream_.readSome(buffer, error);
    if (error == boost::asio::error::would_block) {
      error = co_await stream_.waitToRead();
      if (finished_ || terminating_)
        break;
      if (error) {
        ioFailed(error);
        break;
      }
      continue;
    }
    if (error == boost::asio::error::eof) {
      // HTTP/2 has no half-close: the peer is gone, and so is whatever it had not finished.
      finish(ServerConnectionEnd::closed, make_error_code(errc::http_connection_closed));
      break;
    }
    if (error) {
      ioFailed(error);
      break;
    }
    lastIo_ = Clock::now();
    if (!input({buffer.data(), count}))
      break;
    // Let the writer flush what this input asked for (acknowledgements, window updates), and
    // the worker's other connections have their turn, before reading more.
    co_await boost::asio::post(executor(), boost::asio::use_awaitable);
  }
}

bool Http2Session::input(std::span<const std::uint8_t> bytes) {
  const auto processed = nghttp2_session_mem_recv(native(), bytes.data(), bytes.size());
  if (processed < 0) {
    inputFailed(static_cast<int>(processed));
    return false;
  }
  afterInput();
  // Frames queue up inside nghttp2 only while the peer does not read what it asks for
  // (acknowledgements, resets, responses): past a bound, that is a flood. One read of
  // minimal frames stays below it; a GOAWAY already queued goes first.
  const auto queueLimit =
      std::max(kMaxOutboundQueue, std::size_t{4} * settings_.maxConcurrentStreams);
  if (!terminating_ && nghttp2_session_get_outbound_queue_size(native()) > queueLimit) {
    report(CodecEvent::controlFrameFlood);
    abortTransport();
    finish(ServerConnectionEnd::refused, make_error_code(errc::http_protocol_error));
    return false;
  }
  wakeWriter();
  return !finished_;
}

void Http2Session::inputFailed(int libraryError) {
  spdlog::debug("http2: connection error: {}", nghttp2_strerror(libraryError));
  std::uint32_t goawayCode = NGHTTP2_PROTOCOL_ERROR;
  switch (libraryError) {
    case NGHTTP2_ERR_FLOODED:
      // The peer does not read our acknowledgements: nothing more will reach it.
      report(CodecEvent::controlFrameFlood);
      abortTransport();
      finish(ServerConnectionEnd::refused, make_error_code(errc::http_protocol_error));
      return;
    case NGHTTP2_ERR_TOO_MANY_CONTINUATIONS:
      report(CodecEvent::continuationFlood);
      goawayCode = NGHTTP2_ENHANCE_YOUR_CALM;
      break;
    default:
      report(CodecEvent::protocolError);
      break;
  }
  // nghttp2 refuses to go on after a fatal error, so the GOAWAY it would have sent is
  // written here: RFC 9113 section 5.4.1.
  const auto lastStream =
      static_cast<std::uint32_t>(std::max(0, nghttp2_session_get_last_proc_stream_id(native())));
  finalBytes_ = {0, 0, 8, NGHTTP2_GOAWAY, 0, 0, 0, 0, 0};
  for (const std::uint32_t word : {lastStream, goawayCode}) {
    for (int shift = 24; shift >= 0; shift -= 8)
      finalBytes_.push_back(static_cast<std::uint8_t>(word >> shift));
  }
  finish(ServerConnectionEnd::refused, make_error_code(errc::http_protocol_error));
}

boost::asio::awaitable<void> Http2Session::writeLoop() {
  std::vector<std::uint8_t> batch;
  while (!finished_) {
    bool broken = false;
    while (batch.size() < kWriteBatchBytes) {
      const std::uint8_t* data = nullptr;
      const auto count = nghttp2_session_mem_send(native(), &data);
      if (count < 0) {
        spdlog::debug("http2: cannot send: {}", nghttp2_strerror(static_cast<int>(count)));
        broken = true;
        break;
      }
      if (count == 0)
        break;
      batch.insert(batch.end(), data, data + count);
    }
    if (broken) {
      finish(ServerConnectionEnd::aborted, make_error_code(errc::http_protocol_error));
      break;
    }
    if (!batch.empty()) {
      writing_ = true;
      const auto error = co_await stream_.writeAll(batch);
      writing_ = false;
      batch.clear();
      if (error) {
        ioFailed(error);
        break;
      }
      lastIo_ = Clock::now();
      continue;
    }
    if (nghttp2_session_want_read(native()) == 0 && nghttp2_session_want_write(native()) == 0) {
      finish(end_,
             make_error_code(end_ == ServerConnectionEnd::refused ? errc::http_protocol_error
                                                                  : errc::http_connection_closed));
      break;
    }
    batch = {};  // an idle connection holds no write buffer
    co_await writeSignal_.wait();
  }
  if (!transportAborted_) {
    writing_ = true;
    if (!finalBytes_.empty())
      co_await stream_.writeAll(finalBytes_);
    co_await stream_.shutdownSend();
    writing_ = false;
  }
  writerDone_ = true;
  cancelSocketWaits();  // the reader, if it still waits
  watchdogTimer_.cancel();
}

boost::asio::awaitable<void> Http2Session::watchdog() {
  while (!writerDone_) {
    watchdogTimer_.expires_at(nextDeadline());
    co_await watchdogTimer_.async_wait(kNoThrow);
    if (writerDone_)
      break;
    checkDeadlines(Clock::now());
  }
}

Http2Session::Clock::time_point Http2Session::nextDeadline() const {
  if (finished_ || terminating_)
    return saturatingAdd(closingSince_, settings_.requestHeaderTimeout);
  auto deadline = saturatingAdd(idle() ? activitySince_ : lastIo_, settings_.idleTimeout);
  if (headerBlockSince_)
    deadline =
        std::min(deadline, saturatingAdd(*headerBlockSince_, settings_.requestHeaderTimeout));
  if (const auto own = roleDeadline())
    deadline = std::min(deadline, *own);
  return deadline;
}

void Http2Session::checkDeadlines(Clock::time_point now) {
  if (finished_ || terminating_) {
    // A peer that does not take our last frames gets the request header timeout to do so.
    if (now >= saturatingAdd(closingSince_, settings_.requestHeaderTimeout)) {
      abortTransport();
      finish(end_, make_error_code(errc::http_connection_closed));
    }
    return;
  }
  if (headerBlockSince_ &&
      now >= saturatingAdd(*headerBlockSince_, settings_.requestHeaderTimeout)) {
    terminate(NGHTTP2_NO_ERROR, CodecEvent::headerTimeout, ServerConnectionEnd::timedOut);
    return;
  }
  // Idle: no stream for the idle timeout; stalled: streams, but no byte either way for as long.
  if (now >= saturatingAdd(idle() ? activitySince_ : lastIo_, settings_.idleTimeout)) {
    terminate(NGHTTP2_NO_ERROR, std::nullopt, ServerConnectionEnd::timedOut);
    return;
  }
  if (const auto own = roleDeadline(); own && now >= *own)
    onRoleDeadline();
}

// ------------------------------------------------------------------------- ending

void Http2Session::setEnd(ServerConnectionEnd end) {
  if (!std::exchange(endSet_, true))
    end_ = end;
}

void Http2Session::terminate(std::uint32_t errorCode, std::optional<CodecEvent> event,
                             ServerConnectionEnd end) {
  if (finished_ || terminating_)
    return;
  terminating_ = true;
  closingSince_ = Clock::now();
  setEnd(end);
  if (event)
    report(*event);
  if (nghttp2_session_terminate_session(native(), errorCode) != 0) {
    finish(end, make_error_code(errc::http_protocol_error));
    return;
  }
  wakeWriter();
  rearmWatchdog();
}

void Http2Session::finish(ServerConnectionEnd end, boost::system::error_code streamError) {
  if (std::exchange(finished_, true))
    return;
  setEnd(end);
  if (!terminating_)
    closingSince_ = Clock::now();
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, stream] : streams)
    stream->fail(streamError);
  wakeWriter();
  rearmWatchdog();
  // The writer finishes its frame first (a cut frame would garble the GOAWAY after it).
  if (!writing_)
    cancelSocketWaits();
  onFinished();
}

void Http2Session::abortTransport() {
  if (std::exchange(transportAborted_, true))
    return;
  auto& socket = stream_.socket();
  boost::system::error_code ignored;
  socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
  socket.shutdown(boost::asio::socket_base::shutdown_both, ignored);
  socket.cancel(ignored);
}

void Http2Session::ioFailed(boost::system::error_code error) {
  if (!finished_)
    spdlog::debug("http2: connection failed: {}", error.message());
  finish(ServerConnectionEnd::aborted, make_error_code(errc::http_connection_closed));
}

void Http2Session::cancelSocketWaits() {
  boost::system::error_code ignored;
  stream_.socket().cancel(ignored);
}

void Http2Session::countPeerReset() {
  if (role_ != Role::server)
    return;
  if (const auto flood = floodGuard_.onStreamReset(Clock::now()))
    terminate(NGHTTP2_ENHANCE_YOUR_CALM, flood, ServerConnectionEnd::refused);
}

// ------------------------------------------------------------------------- streams

std::shared_ptr<Http2Stream> Http2Session::findStream(std::int32_t id) const {
  const auto found = streams_.find(id);
  return found == streams_.end() ? nullptr : found->second;
}

void Http2Session::addStream(std::shared_ptr<Http2Stream> stream) {
  const auto id = stream->id();
  streams_.insert_or_assign(id, std::move(stream));
  noteActivity();
}

void Http2Session::removeStream(std::int32_t id) {
  if (streams_.erase(id) > 0)
    noteActivity();
}

void Http2Session::consume(std::int32_t streamId, std::size_t bytes) {
  if (finished_ || !session_)
    return;
  const int rv = nghttp2_session_consume(native(), streamId, bytes);
  if (rv != 0 && nghttp2_is_fatal(rv) != 0) {
    finish(ServerConnectionEnd::aborted, make_error_code(errc::http_connection_closed));
    return;
  }
  wakeWriter();  // a WINDOW_UPDATE may be due
}

void Http2Session::resumeData(std::int32_t streamId) {
  if (finished_ || !session_)
    return;
  // INVALID_ARGUMENT: the stream closed meanwhile; its close tells the sender.
  const int rv = nghttp2_session_resume_data(native(), streamId);
  if (rv != 0 && nghttp2_is_fatal(rv) != 0)
    finish(ServerConnectionEnd::aborted, make_error_code(errc::http_connection_closed));
}

void Http2Session::submitReset(std::int32_t streamId, std::uint32_t errorCode) {
  if (finished_ || !session_)
    return;
  ownResets_.insert(streamId);
  const int rv = nghttp2_submit_rst_stream(native(), NGHTTP2_FLAG_NONE, streamId, errorCode);
  if (rv != 0) {
    ownResets_.erase(streamId);
    if (nghttp2_is_fatal(rv) != 0)
      finish(ServerConnectionEnd::aborted, make_error_code(errc::http_connection_closed));
  }
  wakeWriter();
}

bool Http2Session::submitTrailers(std::int32_t streamId, const HeaderMap& trailers) {
  const Http2FieldList fields(trailers);
  return nghttp2_submit_trailer(native(), streamId, fields.data(), fields.size()) == 0;
}

// ------------------------------------------------------------------------- callbacks

int Http2Session::onBeginFrame(const nghttp2_frame_hd& header) {
  const auto now = Clock::now();
  if (role_ == Role::server) {
    // A header block is HEADERS and its CONTINUATIONs, with no other frame between them.
    if (header.type == NGHTTP2_HEADERS) {
      if (!headerBlockSince_) {
        headerBlockSince_ = now;
        rearmWatchdog();
      }
    } else if (header.type != NGHTTP2_CONTINUATION) {
      headerBlockSince_.reset();
    }
  }
  bool firstEmptyData = false;
  if (header.type == NGHTTP2_DATA && header.length == 0) {
    if (const auto stream = findStream(header.stream_id))
      firstEmptyData = stream->takeFirstEmptyData();
  }
  const Http2FloodGuard::Frame frame{header.type, header.flags, header.length, header.stream_id};
  if (const auto flood = floodGuard_.onFrame(frame, firstEmptyData, now)) {
    terminate(NGHTTP2_ENHANCE_YOUR_CALM, flood, ServerConnectionEnd::refused);
    return 0;
  }
  if (role_ == Role::server)
    judgeClosedStream(header);
  return 0;
}

void Http2Session::judgeClosedStream(const nghttp2_frame_hd& header) {
  const bool known = nghttp2_session_find_stream(native(), header.stream_id) != nullptr;
  switch (closedStreams_.judge(header.type, header.stream_id, known,
                               nghttp2_session_get_last_proc_stream_id(native()))) {
    case Http2ClosedStreams::Verdict::accept:
      return;
    case Http2ClosedStreams::Verdict::protocolError:
      terminate(NGHTTP2_PROTOCOL_ERROR, CodecEvent::protocolError, ServerConnectionEnd::refused);
      return;
  }
}

int Http2Session::onFrameReceived(const nghttp2_frame& frame) {
  switch (frame.hd.type) {
    case NGHTTP2_DATA:
      if ((frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
        if (const auto stream = findStream(frame.hd.stream_id))
          stream->onEndOfInput(std::nullopt);
      }
      return 0;
    case NGHTTP2_HEADERS:
      headerBlockSince_.reset();
      return onHeadersReceived(frame);
    case NGHTTP2_RST_STREAM:
      countPeerReset();
      return 0;
    case NGHTTP2_GOAWAY:
      onGoawayReceived(frame.goaway);
      return 0;
    case NGHTTP2_PING:
      if ((frame.hd.flags & NGHTTP2_FLAG_ACK) != 0)
        onPingAcknowledged(frame.ping);
      return 0;
    default:
      return 0;
  }
}

int Http2Session::onDataChunk(std::int32_t streamId, std::span<const std::uint8_t> data) {
  if (const auto stream = findStream(streamId)) {
    stream->onData(data);
  } else {
    consume(streamId, data.size());  // a stream we refused: nobody reads it
  }
  return 0;
}

int Http2Session::onStreamClose(std::int32_t streamId, std::uint32_t errorCode) {
  ownResets_.erase(streamId);
  const auto found = streams_.find(streamId);
  if (found == streams_.end())
    return 0;
  const auto stream = found->second;
  streams_.erase(found);
  stream->onClosed(errorCode);
  noteActivity();
  return 0;
}

int Http2Session::onFrameSent(const nghttp2_frame& frame) {
  switch (frame.hd.type) {
    case NGHTTP2_DATA:
      floodGuard_.onDataFrameSent();
      [[fallthrough]];
    case NGHTTP2_HEADERS:
      if ((frame.hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
        if (const auto stream = findStream(frame.hd.stream_id)) {
          stream->onEndStreamSent();
          // Its owner is gone and our side is complete: the rest of the peer's is unwanted.
          if (stream->released() && !stream->inputEnded())
            stream->reset(stream->unwantedCode());
        }
      }
      return 0;
    case NGHTTP2_RST_STREAM:
      closedStreams_.noteOwnReset(frame.hd.stream_id);
      if (ownResets_.erase(frame.hd.stream_id) == 0) {
        // nghttp2 answered something the peer did wrong on that stream (RFC 9113 section
        // 5.4.2): counted, and held against the reset budget (the "MadeYouReset" variant).
        report(CodecEvent::streamProtocolError);
        countPeerReset();
      }
      return 0;
    case NGHTTP2_GOAWAY:
      if (frame.goaway.error_code != NGHTTP2_NO_ERROR && !terminating_) {
        // nghttp2 found a connection error by itself.
        report(frame.goaway.error_code == NGHTTP2_ENHANCE_YOUR_CALM ? CodecEvent::controlFrameFlood
                                                                    : CodecEvent::protocolError);
        terminating_ = true;
        closingSince_ = Clock::now();
        setEnd(ServerConnectionEnd::refused);
        rearmWatchdog();
      }
      return 0;
    default:
      return 0;
  }
}

int Http2Session::onFrameNotSent(const nghttp2_frame& frame, int libraryError) {
  spdlog::debug("http2: frame type {} on stream {} not sent: {}", frame.hd.type, frame.hd.stream_id,
                nghttp2_strerror(libraryError));
  if (frame.hd.type == NGHTTP2_HEADERS)
    onRequestNotSent(frame.hd.stream_id, libraryError);
  return 0;
}

int Http2Session::onInvalidFrame(const nghttp2_frame& frame, int libraryError) {
  spdlog::debug("http2: invalid frame type {} on stream {}: {}", frame.hd.type, frame.hd.stream_id,
                nghttp2_strerror(libraryError));
  if (frame.hd.type == NGHTTP2_HEADERS)
    headerBlockSince_.reset();
  if (frame.hd.stream_id == 0 && !terminating_) {
    // A frame on the connection itself can only be a connection error: nghttp2 has queued
    // its GOAWAY and ignores the rest.
    report(libraryError == NGHTTP2_ERR_TOO_MANY_SETTINGS ? CodecEvent::controlFrameFlood
                                                         : CodecEvent::protocolError);
    terminating_ = true;
    closingSince_ = Clock::now();
    setEnd(ServerConnectionEnd::refused);
    rearmWatchdog();
  }
  return 0;
}

ssize_t Http2Session::produce(std::int32_t streamId, std::uint8_t* buffer, std::size_t length,
                              std::uint32_t* flags) {
  const auto stream = findStream(streamId);
  if (!stream)
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
  return stream->produce(buffer, length, flags);
}

}  // namespace wasmesh::proxy::http
