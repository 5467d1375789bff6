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
  // Beast stores a field in at most 64 KiB and throws beyond it; lines are refused (431)
  // before they get there.
  static constexpr std::size_t kMaxFieldLineBytes = std::size_t{60} * 1024;
  // The longest line of a section, CRLF excluded.
  static std::size_t longestLine(std::string_view section);

  // Where the header section (start line included) ends: the index just past the empty
  // line's CRLF, once it is in `bytes`.
  static std::optional<std::size_t> headerEnd(std::span<const std::uint8_t> bytes);
  // The first line's length without its CRLF, once it is complete.
  static std::optional<std::size_t> startLineLength(std::span<const std::uint8_t> bytes);
  // On a section still arriving: a bare LF, or a CR followed by anything but LF (a CR at
  // the very end may yet be followed by one). Empty when none so far.
  static std::optional<CodecEvent> checkLineEndings(std::span<const std::uint8_t> bytes,
                                                    CodecEvent malformed);
  // Empty when the section is acceptable; the event to count otherwise.
  static std::optional<CodecEvent> checkHeaderSection(std::string_view section,
                                                      CodecEvent malformed);
};

}  // namespace wasmesh::proxy::http
