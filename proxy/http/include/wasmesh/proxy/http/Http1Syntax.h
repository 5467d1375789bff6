#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "wasmesh/proxy/http/CodecEvents.h"

namespace wasmesh::proxy::http {

// Checks on raw HTTP/1 header sections before Beast parses them: what Beast accepts but a
// proxy must refuse because another parser downstream could frame the message differently
// (RFC 9112 sections 2.2, 5.1, 5.2): obs-fold, a bare CR or LF, whitespace before a colon or
// at the start of a field line, a NUL.
struct Http1Syntax {
  // Where the header section (start line included) ends: the index just past the empty
  // line's CRLF, once it is in `bytes`.
  static std::optional<std::size_t> headerEnd(std::span<const std::uint8_t> bytes);
  // The first line's length without its CRLF, once it is complete.
  static std::optional<std::size_t> startLineLength(std::span<const std::uint8_t> bytes);
  // Empty when the section is acceptable; the event to count otherwise.
  static std::optional<CodecEvent> checkHeaderSection(std::string_view section,
                                                      CodecEvent malformed);
};

}  // namespace wasmesh::proxy::http
