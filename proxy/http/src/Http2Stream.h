#pragma once

#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "AsyncSignal.h"
#include "Http2HeaderBlock.h"
#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/http/HeaderMap.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

class Http2Session;

// One HTTP/2 stream as both codecs see it: the body the peer sends, held until the reader
// takes it (and only then acknowledged to the peer, so the stream window bounds what is
// held), the body we send, handed to nghttp2 a frame at a time as the peer's window and
// the socket allow, and how the stream ended. Lives on the session's executor.
class Http2Stream {
 public:
  Http2Stream(Http2Session& session, std::int32_t id);
  Http2Stream(const Http2Stream&) = delete;
  Http2Stream& operator=(const Http2Stream&) = delete;

  std::int32_t id() const noexcept { return id_; }

  // --- What the peer sends, from the session's nghttp2 callbacks.
  Http2HeaderBlock& beginHeaderBlock();
  Http2HeaderBlock& headerBlock() noexcept { return block_; }
  void onData(std::span<const std::uint8_t> data);
  // The peer's END_STREAM, with its trailers if it sent any.
  void onEndOfInput(std::optional<HeaderMap> trailers);
  // A response head (client side): 1xx ones, then the final one.
  void onResponseHead(ResponseHead head);
  // nghttp2 closed the stream: `errorCode` is NO_ERROR, or the RST_STREAM code either side sent.
  void onClosed(std::uint32_t errorCode);
  // The exchange cannot go on (the connection ended, or a limit was hit): every pending and
  // later operation fails with `error`.
  void fail(boost::system::error_code error);
  // The END_STREAM flag of our side went out.
  void onEndStreamSent() noexcept { endStreamSent_ = true; }

  // --- What the owner (a request handler, a ClientStream) calls.
  boost::asio::awaitable<Result<BodyChunk>> readBody();
  boost::asio::awaitable<Result<ResponseHead>> readResponseHead();
  // Our head was submitted: `endStream`, or a body follows through produce().
  void onHeadSubmitted(bool endStream) noexcept;
  boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data, bool endStream);
  boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers);
  // RST_STREAM with `errorCode`, unless the stream is over.
  void reset(std::uint32_t errorCode);
  // The owner is done with the stream: unread body bytes are acknowledged, and an exchange
  // left incomplete is reset with `incompleteCode` (our side unfinished) or, when only the
  // peer's side is unfinished, with `unwantedCode` once our END_STREAM is out.
  void release(std::uint32_t incompleteCode, std::uint32_t unwantedCode);

  // nghttp2's data source: copies up to `length` pending bytes, or defers.
  ssize_t produce(std::uint8_t* buffer, std::size_t length, std::uint32_t* flags);

  const boost::system::error_code& error() const noexcept { return error_; }
  bool released() const noexcept { return released_; }
  bool closed() const noexcept { return closed_; }
  bool inputEnded() const noexcept { return inputEnded_; }
  bool outputEnded() const noexcept { return output_ == Output::ended; }
  bool finalResponseReceived() const noexcept { return finalResponseReceived_; }
  std::uint32_t unwantedCode() const noexcept { return unwantedCode_; }
  // Whether an empty DATA frame is this stream's first (see Http2FloodGuard).
  bool takeFirstEmptyData() noexcept { return !std::exchange(emptyDataSeen_, true); }

 private:
  enum class Output { none, body, ended };

  boost::asio::awaitable<Result<void>> awaitProduced();
  void acknowledge(std::size_t bytes);

  Http2Session& session_;
  std::int32_t id_;
  Http2HeaderBlock block_;

  // Input: `received_` fills from DATA frames; readBody hands it out as `handedOut_`, which
  // stays valid until the next read (BodyChunk's promise).
  std::vector<std::uint8_t> received_;
  std::vector<std::uint8_t> handedOut_;
  std::optional<HeaderMap> trailers_;
  std::deque<ResponseHead> responseHeads_;
  bool inputEnded_ = false;
  bool endDelivered_ = false;
  bool finalResponseReceived_ = false;
  bool finalResponseDelivered_ = false;
  bool emptyDataSeen_ = false;
  AsyncSignal readable_;

  // Output: the caller's bytes (valid while its sendData is suspended) and what ends them.
  Output output_ = Output::none;
  std::span<const std::uint8_t> sending_;
  bool sendEnd_ = false;
  std::optional<HeaderMap> trailersToSend_;
  bool pendingWrite_ = false;
  bool deferred_ = false;
  bool endStreamSent_ = false;
  bool discardOutput_ = false;  // the peer finished and closed: the rest is not wanted
  AsyncSignal writable_;

  boost::system::error_code error_;
  bool closed_ = false;
  bool resetSubmitted_ = false;
  bool released_ = false;
  std::uint32_t unwantedCode_ = 0;
};

}  // namespace wasmesh::proxy::http
