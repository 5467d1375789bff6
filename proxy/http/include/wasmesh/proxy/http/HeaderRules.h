#pragma once

#include <string_view>

#include "wasmesh/proxy/http/HeaderMap.h"

namespace wasmesh::proxy::http {

// RFC 9110 section 7.6.1: fields that describe one connection, never forwarded: Connection
// and every field it names, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade,
// HTTP2-Settings, and TE unless it is exactly "trailers" (which gRPC needs end to end).
void removeHopByHop(HeaderMap& headers);

// RFC 9110 section 5.1 token characters, at least one.
bool isValidFieldName(std::string_view name) noexcept;
// RFC 9110 section 5.5: visible characters, spaces and tabs inside, obs-text; no CR, LF or
// NUL, and (as RFC 9113 requires of HTTP/2) no leading or trailing whitespace.
bool isValidFieldValue(std::string_view value) noexcept;
// A method is a token.
bool isValidMethod(std::string_view method) noexcept;

}  // namespace wasmesh::proxy::http
