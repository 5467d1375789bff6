#include "Http2Stream.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "Http2Session.h"

namespace wasmesh::proxy::http {

Http2Stream::Http2Stream(Http2Session& session, std::int32_t id)
    : session_(session), id_(id), readable_(session.executor()), writable_(session.executor()) {}

Http2HeaderBlock& Http2Stream::beginHeaderBlock() {
  const auto& settings = session_.settings();
  block_ = Http2HeaderBlock(settings.maxHeaderListBytes, settings.maxHeaderCount);
  return block_;
}

void Http2Stream::onData(std::span<const std::uint8_t> data) {
  if (released_ || error_) {
    acknowledge(data.size());  // nobody will read it: give the window back at once
    return;
  }
  received_.insert(received_.end(), data.begin(), data.end());
  readable_.notify();
}

void Http2Stream::onEndOfInput(std::optional<HeaderMap> trailers) {
  inputEnded_ = true;
  trailers_ = std::move(trailers);
  readable_.notify();
}

void Http2Stream::onResponseHead(ResponseHead head) {
  if (!head.informational())
    finalResponseReceived_ = true;
  responseHeads_.push_back(std::move(head));
  readable_.notify();
}

void Http2Stream::onClosed(std::uint32_t errorCode) {
  closed_ = true;
  if (errorCode == NGHTTP2_NO_ERROR) {
    // RFC 9113 section 8.1: a peer that has sent all it had may close with NO_ERROR to say
    // the rest of our message is not wanted; a close before its END_STREAM is a reset.
    if (!inputEnded_ && !error_)
      error_ = make_error_code(errc::http_stream_reset);
    if (inputEnded_ && output_ != Output::ended)
      discardOutput_ = true;
  } else if (!error_) {
    error_ = make_error_code(errorCode == NGHTTP2_REFUSED_STREAM ? errc::http_stream_refused
                                                                 : errc::http_stream_reset);
  }
  readable_.notify();
  writable_.notify();
}

void Http2Stream::fail(boost::system::error_code error) {
  if (!error_)
    error_ = error;
  readable_.notify();
  writable_.notify();
}

boost::asio::awaitable<Result<BodyChunk>> Http2Stream::readBody() {
  while (true) {
    if (error_ && !inputEnded_) {
      // A reset stream's partial body is discarded (RFC 9113 section 8.1).
      acknowledge(received_.size());
      received_.clear();
      co_return error_;
    }
    if (!received_.empty()) {
      handedOut_.swap(received_);
      received_.clear();
      acknowledge(handedOut_.size());  // the peer may send as much again
      BodyChunk chunk{handedOut_, inputEnded_, std::nullopt};
      if (inputEnded_) {
        endDelivered_ = true;
        chunk.trailers = std::exchange(trailers_, std::nullopt);
      }
      co_return chunk;
    }
    if (inputEnded_) {
      handedOut_.clear();
      endDelivered_ = true;
      co_return BodyChunk{{}, true, std::exchange(trailers_, std::nullopt)};
    }
    co_await readable_.wait();
  }
}

boost::asio::awaitable<Result<ResponseHead>> Http2Stream::readResponseHead() {
  while (true) {
    if (!responseHeads_.empty()) {
      auto head = std::move(responseHeads_.front());
      responseHeads_.pop_front();
      if (!head.informational())
        finalResponseDelivered_ = true;
      co_return head;
    }
    if (finalResponseDelivered_)
      co_return errc::http_malformed_message;  // asked for a second final response
    if (error_)
      co_return error_;
    co_await readable_.wait();
  }
}

void Http2Stream::onHeadSubmitted(bool endStream) noexcept {
  output_ = endStream ? Output::ended : Output::body;
}

boost::asio::awaitable<Result<void>> Http2Stream::sendData(std::span<const std::uint8_t> data,
                                                           bool endStream) {
  if (discardOutput_)
    co_return Result<void>{};
  if (error_)
    co_return error_;
  if (output_ != Output::body || pendingWrite_)
    co_return errc::http_malformed_message;  // no head yet, or the body already ended
  if (data.empty() && !endStream)
    co_return Result<void>{};
  sending_ = data;
  sendEnd_ = endStream;
  pendingWrite_ = true;
  co_return co_await awaitProduced();
}

boost::asio::awaitable<Result<void>> Http2Stream::sendTrailers(const HeaderMap& trailers) {
  if (trailers.empty())
    co_return co_await sendData({}, true);
  if (discardOutput_)
    co_return Result<void>{};
  if (error_)
    co_return error_;
  if (output_ != Output::body || pendingWrite_)
    co_return errc::http_malformed_message;
  trailersToSend_ = trailers;
  sending_ = {};
  sendEnd_ = true;
  pendingWrite_ = true;
  co_return co_await awaitProduced();
}

boost::asio::awaitable<Result<void>> Http2Stream::awaitProduced() {
  if (deferred_) {
    deferred_ = false;
    session_.resumeData(id_);
  }
  session_.wakeWriter();
  while (pendingWrite_ && !error_ && !discardOutput_)
    co_await writable_.wait();
  if (pendingWrite_) {
    // Failed or abandoned: nghttp2 must never read the caller's bytes after this returns.
    pendingWrite_ = false;
    sending_ = {};
    trailersToSend_.reset();
    if (discardOutput_)
      co_return Result<void>{};
    co_return error_;
  }
  if (sendEnd_)
    output_ = Output::ended;
  co_return Result<void>{};
}

ssize_t Http2Stream::produce(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags) {
  if (!pendingWrite_) {
    deferred_ = true;  // sendData resumes it
    return NGHTTP2_ERR_DEFERRED;
  }
  const auto count = std::min(length, sending_.size());
  if (count > 0)
    std::memcpy(buffer, sending_.data(), count);
  sending_ = sending_.subspan(count);
  if (!sending_.empty())
    return static_cast<ssize_t>(count);
  if (sendEnd_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (trailersToSend_) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      if (!session_.submitTrailers(id_, *trailersToSend_))
        return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // nghttp2 resets the stream
      trailersToSend_.reset();
    }
  }
  pendingWrite_ = false;
  writable_.notify();
  return static_cast<ssize_t>(count);
}

void Http2Stream::reset(std::uint32_t errorCode) {
  if (closed_ || std::exchange(resetSubmitted_, true))
    return;
  if (!error_)
    error_ = make_error_code(errc::http_stream_reset);
  session_.submitReset(id_, errorCode);
  readable_.notify();
  writable_.notify();
}

void Http2Stream::release(std::uint32_t incompleteCode, std::uint32_t unwantedCode) {
  if (std::exchange(released_, true))
    return;
  acknowledge(received_.size());
  received_ = {};
  handedOut_ = {};
  unwantedCode_ = unwantedCode;
  if (closed_)
    return;
  if (output_ != Output::ended || pendingWrite_) {
    reset(incompleteCode);
  } else if (!inputEnded_ && endStreamSent_) {
    reset(unwantedCode);
  }
  // Otherwise our END_STREAM is still queued: the session resets once it is out.
}

void Http2Stream::acknowledge(std::size_t bytes) {
  if (bytes > 0)
    session_.consume(id_, bytes);
}

}  // namespace wasmesh::proxy::http
