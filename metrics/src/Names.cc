#include "Names.h"

namespace wasmesh::metrics::detail {
namespace {

bool isAsciiLetter(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isAsciiDigit(char c) noexcept {
  return c >= '0' && c <= '9';
}

}  // namespace

bool isValidMetricName(std::string_view name) noexcept {
  if (name.empty() || isAsciiDigit(name.front())) {
    return false;
  }
  for (const char c : name) {
    if (!isAsciiLetter(c) && !isAsciiDigit(c) && c != '_' && c != ':') {
      return false;
    }
  }
  return true;
}

bool isValidLabelName(std::string_view name) noexcept {
  if (name.empty() || isAsciiDigit(name.front()) || name.starts_with("__")) {
    return false;
  }
  for (const char c : name) {
    if (!isAsciiLetter(c) && !isAsciiDigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace wasmesh::metrics::detail
