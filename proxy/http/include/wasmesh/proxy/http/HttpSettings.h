#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace wasmesh::proxy::http {

// The bounds every codec enforces on what a peer sends. A peer that exceeds one gets the
// protocol's answer (HTTP/1: 400/413/414/431 then close; HTTP/2: the RFC 9113 stream or
// connection error) and nothing else is affected.
struct HttpSettings {
  // HTTP/1 request or status line.
  std::size_t maxStartLineBytes = std::size_t{8} * 1024;
  // The whole header section, HPACK-accounted (name + value + 32 per field): HTTP/1 431,
  // HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE.
  std::size_t maxHeaderListBytes = std::size_t{64} * 1024;
  std::size_t maxHeaderCount = 100;
  // A slow client must send its whole header section within this (slowloris).
  std::chrono::milliseconds requestHeaderTimeout{10'000};
  // Between requests on a kept-alive connection, and for HTTP/2 a connection with no stream.
  std::chrono::milliseconds idleTimeout{3'600'000};
  // HTTP/2, as Linkerd: 64 KiB per stream, 1 MiB per connection, received bytes
  // acknowledged only as the other side consumes them (backpressure end to end).
  std::uint32_t initialStreamWindow = 65'535;
  std::uint32_t connectionWindow = 1 << 20;
  std::uint32_t maxConcurrentStreams = 100;
  std::uint32_t maxFrameSize = 16'384;
  // HTTP/2 floods (CVE-2023-44487 and kin): resets, SETTINGS, PING, empty frames,
  // CONTINUATION and WINDOW_UPDATE beyond these rates get GOAWAY ENHANCE_YOUR_CALM.
  std::uint32_t maxResetsPerSecond = 200;
  std::uint32_t maxControlFramesPerSecond = 1000;
  std::uint32_t maxEmptyFramesPerSecond = 1000;
  std::uint32_t maxContinuationFrames = 8;
  // Body bytes a stream buffers between its two sides before the reader must catch up.
  std::size_t maxBufferedBodyBytes = std::size_t{64} * 1024;
};

}  // namespace wasmesh::proxy::http
