#include "Http2ClosedStreams.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>

namespace wasmesh::proxy::http {

Http2ClosedStreams::Verdict Http2ClosedStreams::judge(std::uint8_t frameType, std::int32_t streamId,
                                                      bool known,
                                                      std::int32_t lastProcessed) const noexcept {
  if (frameType == NGHTTP2_PRIORITY)
    return streamId == 0 ? Verdict::protocolError : Verdict::accept;
  if (frameType != NGHTTP2_HEADERS)
    return Verdict::accept;
  // Stream 0 and ids above every one used so far are nghttp2's to judge (connection errors,
  // new streams); so is a stream it still holds (trailers).
  if (streamId <= 0 || streamId > lastProcessed || known || resetByUs(streamId))
    return Verdict::accept;
  return Verdict::protocolError;
}

void Http2ClosedStreams::noteOwnReset(std::int32_t streamId) noexcept {
  ownResets_[next_] = streamId;
  next_ = (next_ + 1) % kRemembered;
}

bool Http2ClosedStreams::resetByUs(std::int32_t streamId) const noexcept {
  return std::find(ownResets_.begin(), ownResets_.end(), streamId) != ownResets_.end();
}

}  // namespace wasmesh::proxy::http
