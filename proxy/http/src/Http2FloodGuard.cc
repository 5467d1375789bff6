#include "Http2FloodGuard.h"

#include <algorithm>

namespace wasmesh::proxy::http {
namespace {

// RFC 9113 section 6 frame types and the flags looked at here.
constexpr std::uint8_t kData = 0x0;
constexpr std::uint8_t kHeaders = 0x1;
constexpr std::uint8_t kRstStream = 0x3;
constexpr std::uint8_t kWindowUpdate = 0x8;
constexpr std::uint8_t kContinuation = 0x9;
constexpr std::uint8_t kEndStream = 0x1;

// Window updates a peer may send before we sent any DATA: the connection window opening, and
// some slack for peers that acknowledge eagerly.
constexpr std::uint64_t kInitialWindowUpdateCredit = 64;
// Unspent credit is capped so a long download cannot bank a later flood.
constexpr std::uint64_t kMaxWindowUpdateCredit = 4096;

}  // namespace

TokenBucket::TokenBucket(std::uint32_t perSecond)
    : capacity_(std::max<double>(perSecond, 1)), tokens_(capacity_), refilled_(Clock::now()) {}

bool TokenBucket::take(Clock::time_point now) {
  const std::chrono::duration<double> elapsed = now - refilled_;
  refilled_ = now;
  tokens_ = std::min(capacity_, tokens_ + elapsed.count() * capacity_);
  if (tokens_ < 1)
    return false;
  tokens_ -= 1;
  return true;
}

Http2FloodGuard::Http2FloodGuard(const HttpSettings& settings)
    : maxContinuations_(settings.maxContinuationFrames),
      resets_(settings.maxResetsPerSecond),
      controlFrames_(settings.maxControlFramesPerSecond),
      emptyFrames_(settings.maxEmptyFramesPerSecond),
      windowUpdateCredit_(kInitialWindowUpdateCredit) {}

std::optional<CodecEvent> Http2FloodGuard::onFrame(const Frame& frame, bool firstEmptyDataOfStream,
                                                   Clock::time_point now) {
  switch (frame.type) {
    case kData:
      if (frame.length == 0 && (frame.flags & kEndStream) == 0 && !firstEmptyDataOfStream &&
          !emptyFrames_.take(now)) {
        return CodecEvent::emptyFrameFlood;
      }
      return std::nullopt;
    case kHeaders:
      continuations_ = 0;
      if (frame.length == 0 && !emptyFrames_.take(now))
        return CodecEvent::emptyFrameFlood;
      return std::nullopt;
    case kContinuation:
      if (++continuations_ > maxContinuations_)
        return CodecEvent::continuationFlood;
      if (frame.length == 0 && !emptyFrames_.take(now))
        return CodecEvent::emptyFrameFlood;
      return std::nullopt;
    case kRstStream:
      return std::nullopt;  // onStreamReset, once nghttp2 knows which stream it ends
    case kWindowUpdate:
      if (windowUpdateCredit_ > 0) {
        --windowUpdateCredit_;
        return std::nullopt;
      }
      break;
    default:
      break;  // SETTINGS, PING, PRIORITY, GOAWAY, PUSH_PROMISE and unknown types
  }
  if (!controlFrames_.take(now))
    return CodecEvent::controlFrameFlood;
  return std::nullopt;
}

std::optional<CodecEvent> Http2FloodGuard::onStreamReset(Clock::time_point now) {
  if (!resets_.take(now))
    return CodecEvent::resetFlood;
  return std::nullopt;
}

void Http2FloodGuard::onDataFrameSent() noexcept {
  windowUpdateCredit_ = std::min(windowUpdateCredit_ + 2, kMaxWindowUpdateCredit);
}

}  // namespace wasmesh::proxy::http
