#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace wasmesh::proxy::http {

// A server's judgement of frames on streams that are gone. nghttp2, with RFC 7540 priorities
// off, forgets a stream the moment it closes and then lets through what RFC 9113 calls a
// connection error PROTOCOL_ERROR: HEADERS on a stream id already used, or lower than one
// used (section 5.1.1), and PRIORITY on stream 0 (6.3). HEADERS on a stream this side reset
// itself are the exception: the peer may have sent them before it saw the reset, and they
// must be ignored (5.4.2), so the streams reset last are remembered. (DATA on a forgotten
// stream, a stream error in RFC 9113 6.1, nghttp2 discards before any callback sees it.)
class Http2ClosedStreams {
 public:
  enum class Verdict { accept, protocolError };

  // `known`: nghttp2 still holds the stream; `lastProcessed`: the highest client stream id
  // the session has seen (nghttp2_session_get_last_proc_stream_id).
  Verdict judge(std::uint8_t frameType, std::int32_t streamId, bool known,
                std::int32_t lastProcessed) const noexcept;
  // An RST_STREAM this side sent.
  void noteOwnReset(std::int32_t streamId) noexcept;

 private:
  bool resetByUs(std::int32_t streamId) const noexcept;

  // Enough for every stream a peer can have open at once (max concurrent streams: 100) and
  // then some.
  static constexpr std::size_t kRemembered = 256;
  std::array<std::int32_t, kRemembered> ownResets_{};
  std::size_t next_ = 0;
};

}  // namespace wasmesh::proxy::http
