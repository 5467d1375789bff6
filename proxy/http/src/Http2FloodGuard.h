#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"

namespace wasmesh::proxy::http {

// A budget of `perSecond` events, refilled continuously, holding at most one second's worth.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TokenBucket(std::uint32_t perSecond);
  // Spends one token; false when none is left (the caller's limit is exceeded).
  bool take(Clock::time_point now);

 private:
  double capacity_;
  double tokens_;
  Clock::time_point refilled_;
};

// The accounting nghttp2 does not do for us (CVE-2019-9512..9518, CVE-2023-44487 and kin):
// every frame header a peer sends passes through here before nghttp2 acts on it, and a peer
// that exceeds a budget from HttpSettings is reported as the flood it is. The session then
// answers with GOAWAY ENHANCE_YOUR_CALM.
class Http2FloodGuard {
 public:
  using Clock = TokenBucket::Clock;

  struct Frame {
    std::uint8_t type = 0;
    std::uint8_t flags = 0;
    std::size_t length = 0;
    std::int32_t streamId = 0;
  };

  explicit Http2FloodGuard(const HttpSettings& settings);

  // One received frame header. `firstEmptyDataOfStream`: an empty DATA frame is the stream's
  // first, which a sender legitimately uses to end a body before trailers.
  std::optional<CodecEvent> onFrame(const Frame& frame, bool firstEmptyDataOfStream,
                                    Clock::time_point now);
  // A stream ended early by the peer (RST_STREAM) or because of the peer (a stream error
  // we answered, a stream refused): the rapid-reset budget.
  std::optional<CodecEvent> onStreamReset(Clock::time_point now);
  // Each DATA frame we send earns the peer two WINDOW_UPDATEs (stream and connection) that
  // do not count against the control-frame budget: a fast download is not a flood.
  void onDataFrameSent() noexcept;

 private:
  std::uint32_t maxContinuations_;
  std::uint32_t continuations_ = 0;  // since the last HEADERS frame
  TokenBucket resets_;
  TokenBucket controlFrames_;
  TokenBucket emptyFrames_;
  std::uint64_t windowUpdateCredit_;
};

}  // namespace wasmesh::proxy::http
