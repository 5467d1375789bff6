#pragma once

#include <algorithm>
#include <string>
#include <string_view>

namespace wasmesh::proxy::http {

// HTTP names and tokens are ASCII and case-insensitive (RFC 9110 section 5.1). These ignore
// the C locale, which std::tolower consults on every call.
constexpr char toLowerAscii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline std::string toLowerAscii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) { return toLowerAscii(c); });
  return out;
}

constexpr bool equalsIgnoringCase(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return toLowerAscii(x) == toLowerAscii(y);
         });
}

}  // namespace wasmesh::proxy::http
