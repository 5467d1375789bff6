#include "TextEncoding.h"

#include "ComponentReader.h"

namespace wasmesh::wasm::component {

void appendUtf8(std::string& out, char32_t codePoint) {
  const auto c = static_cast<std::uint32_t>(codePoint);
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

std::optional<std::u16string> utf8ToUtf16(std::string_view utf8) {
  if (!isValidUtf8(utf8))
    return std::nullopt;
  std::u16string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<std::uint8_t>(utf8[i]);
    std::uint32_t c = 0;
    std::size_t length = 1;
    if (lead < 0x80) {
      c = lead;
    } else if ((lead & 0xe0U) == 0xc0) {
      c = lead & 0x1fU;
      length = 2;
    } else if ((lead & 0xf0U) == 0xe0) {
      c = lead & 0x0fU;
      length = 3;
    } else {
      c = lead & 0x07U;
      length = 4;
    }
    for (std::size_t k = 1; k < length; ++k)
      c = (c << 6) | (static_cast<std::uint8_t>(utf8[i + k]) & 0x3fU);
    i += length;
    if (c >= 0x10000) {
      c -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (c >> 10));
      out += static_cast<char16_t>(0xdc00 + (c & 0x3ff));
    } else {
      out += static_cast<char16_t>(c);
    }
  }
  return out;
}

std::optional<std::string> utf16ToUtf8(std::span<const std::uint8_t> littleEndian) {
  std::string out;
  out.reserve(littleEndian.size());
  const std::size_t units = littleEndian.size() / 2;
  for (std::size_t i = 0; i < units; ++i) {
    auto unit = [&](std::size_t k) {
      return static_cast<std::uint32_t>(littleEndian[2 * k] | (littleEndian[2 * k + 1] << 8));
    };
    std::uint32_t c = unit(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      if (i + 1 >= units)
        return std::nullopt;
      const std::uint32_t low = unit(i + 1);
      if (low < 0xdc00 || low > 0xdfff)
        return std::nullopt;
      c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
      ++i;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return std::nullopt;
    }
    appendUtf8(out, static_cast<char32_t>(c));
  }
  return out;
}

std::string latin1ToUtf8(std::span<const std::uint8_t> latin1) {
  std::string out;
  out.reserve(latin1.size());
  for (const std::uint8_t byte : latin1)
    appendUtf8(out, byte);
  return out;
}

}  // namespace wasmesh::wasm::component
