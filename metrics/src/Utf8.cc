#include "Utf8.h"

#include <cstddef>
#include <cstdint>

namespace wasmesh::metrics::detail {
namespace {

// Length of the valid UTF-8 sequence at text[pos], or 0 if none starts there. Rejects
// overlong forms, surrogates and code points above U+10FFFF (RFC 3629).
std::size_t sequenceLength(std::string_view text, std::size_t pos) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::size_t left = text.size() - pos;
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) {
    return 1;
  }
  const auto isCont = [&](std::size_t i) { return i < left && (byte(i) & 0xC0U) == 0x80; };
  if (lead >= 0xC2 && lead <= 0xDF) {
    return isCont(1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!isCont(1) || !isCont(2)) {
      return 0;
    }
    const std::uint8_t second = byte(1);
    if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F)) {
      return 0;
    }
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!isCont(1) || !isCont(2) || !isCont(3)) {
      return 0;
    }
    const std::uint8_t second = byte(1);
    if ((lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

}  // namespace

bool isValidUtf8(std::string_view text) noexcept {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = sequenceLength(text, pos);
    if (length == 0) {
      return false;
    }
    pos += length;
  }
  return true;
}

void appendSanitizedUtf8(std::string& out, std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t length = sequenceLength(text, pos);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++pos;
    } else {
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
}

}  // namespace wasmesh::metrics::detail
