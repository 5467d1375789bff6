#pragma once

#include <string_view>

namespace wasmesh::proxy::http {

// What a codec refused or cut short, for wasmesh_http_codec_errors_total{direction,
// protocol, error}: hostile input must be visible in metrics, not only in a log.
enum class CodecEvent {
  malformedRequest,     // HTTP/1 framing two parsers could read differently, bad syntax
  malformedResponse,    // the same from an upstream
  headersTooLarge,      // the header list or the field count over the limit
  startLineTooLong,     // HTTP/1 request line over the limit (414)
  bodyTooLarge,         // a body over a limit
  unsupportedVersion,   // not HTTP/1.0, 1.1 or 2 (505)
  headerTimeout,        // the header section did not arrive in time (slowloris)
  protocolError,        // HTTP/2: a connection error other than a flood
  streamProtocolError,  // HTTP/2: a stream error (bad pseudo-headers, content-length...)
  resetFlood,           // HTTP/2 rapid reset
  controlFrameFlood,    // HTTP/2 SETTINGS / PING / WINDOW_UPDATE flood
  emptyFrameFlood,      // HTTP/2 empty DATA/HEADERS/CONTINUATION frames
  continuationFlood,    // HTTP/2 too many CONTINUATION frames
};

std::string_view codecEventName(CodecEvent event) noexcept;

// Where codecs report events; implemented by the metrics layer. Called on the codec's
// worker thread.
class CodecObserver {
 public:
  virtual ~CodecObserver() = default;
  virtual void onEvent(CodecEvent event) = 0;
};

}  // namespace wasmesh::proxy::http
