#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wasmesh/proxy/http/HeaderMap.h"

namespace wasmesh::proxy::http {

enum class Version { http10, http11, http2 };

std::string_view versionName(Version version) noexcept;  // "HTTP/1.0", "HTTP/1.1", "HTTP/2"

// A request as every filter, the router and the codecs see it, whatever protocol carried it.
// Hop-by-hop fields are gone by the time a codec hands it over (RFC 9110 section 7.6.1).
struct RequestHead {
  std::string method;
  std::string scheme = "http";
  // Host (HTTP/1) or :authority (HTTP/2). May be empty for HTTP/1.0.
  std::string authority;
  // The target in origin form ("/a?b"), or "*" for OPTIONS, or "host:port" for CONNECT.
  std::string path;
  HeaderMap headers;
  Version version = Version::http11;
  // From Content-Length, when the sender declared one.
  std::optional<std::uint64_t> contentLength;
  // Whether the request has a body to read (Content-Length > 0, chunked, or an HTTP/2
  // HEADERS frame without END_STREAM).
  bool hasBody = false;
  // HTTP/1 `Expect: 100-continue`: the client waits for a 100 before sending its body.
  bool expectContinue = false;
  // HTTP/1 `Upgrade` (for example websocket) with `Connection: upgrade`: the protocol named.
  std::string upgrade;
};

struct ResponseHead {
  unsigned status = 200;
  HeaderMap headers;
  Version version = Version::http11;
  std::optional<std::uint64_t> contentLength;
  // The head ended the response (HTTP/2 HEADERS with END_STREAM): no body, no trailers. A
  // gRPC "trailers-only" answer is one, and must reach an HTTP/2 client as one: its client
  // reads grpc-status from the HEADERS that end the stream, never from a head before DATA.
  bool endStream = false;
  // 1xx: informational; another head follows.
  bool informational() const noexcept { return status >= 100 && status < 200; }
};

// One piece of a body as a stream yields it. `data` stays valid until the next read on the
// same stream (or the stream's end). The last piece has `end` set; it may carry trailers.
struct BodyChunk {
  std::span<const std::uint8_t> data;
  bool end = false;
  std::optional<HeaderMap> trailers;
};

}  // namespace wasmesh::proxy::http
