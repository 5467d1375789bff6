#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wasmesh::wasm::component {

// Conversions between the string encodings of the canonical ABI and UTF-8, the host's. Each
// refuses what is not a sequence of Unicode scalar values (unpaired surrogates, overlong or
// truncated UTF-8).
std::optional<std::u16string> utf8ToUtf16(std::string_view utf8);
std::optional<std::string> utf16ToUtf8(std::span<const std::uint8_t> littleEndian);
std::string latin1ToUtf8(std::span<const std::uint8_t> latin1);
// Appends the UTF-8 encoding of a scalar value.
void appendUtf8(std::string& out, char32_t codePoint);
// Whether `value` is a Unicode scalar value (what a `char` may hold).
inline bool isScalarValue(std::uint32_t value) {
  return value < 0xd800 || (value > 0xdfff && value < 0x110000);
}

}  // namespace wasmesh::wasm::component
