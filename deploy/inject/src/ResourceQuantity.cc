#include "wasmesh/deploy/ResourceQuantity.h"

#include <cmath>
#include <string>
#include <utility>

namespace wasmesh::deploy {

std::optional<ResourceQuantity> ResourceQuantity::parse(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && text[i] == '+')
    ++i;
  std::string number;
  std::size_t digits = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      ++digits;
      number.push_back(c);
    } else if (c == '.' && !point) {
      point = true;
      number.push_back(c);
    } else {
      break;
    }
  }
  if (digits == 0 || digits > 30)
    return std::nullopt;
  const auto suffix = text.substr(i);
  long double scale = 1;
  static const std::pair<std::string_view, long double> kSuffixes[] = {
      {"", 1},         {"n", 1e-9L},    {"u", 1e-6L},    {"m", 1e-3L},
      {"k", 1e3L},     {"M", 1e6L},     {"G", 1e9L},     {"T", 1e12L},
      {"P", 1e15L},    {"E", 1e18L},    {"Ki", 0x1p10L}, {"Mi", 0x1p20L},
      {"Gi", 0x1p30L}, {"Ti", 0x1p40L}, {"Pi", 0x1p50L}, {"Ei", 0x1p60L}};
  bool known = false;
  for (const auto& [name, factor] : kSuffixes) {
    if (suffix == name) {
      scale = factor;
      known = true;
      break;
    }
  }
  if (!known) {
    // A decimal exponent: e or E, an optional sign, 1-3 digits.
    if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E'))
      return std::nullopt;
    std::size_t j = 1;
    const bool negative = suffix[j] == '-';
    if (suffix[j] == '-' || suffix[j] == '+')
      ++j;
    if (j == suffix.size() || suffix.size() - j > 3)
      return std::nullopt;
    int exponent = 0;
    for (; j < suffix.size(); ++j) {
      if (suffix[j] < '0' || suffix[j] > '9')
        return std::nullopt;
      exponent = exponent * 10 + (suffix[j] - '0');
    }
    scale = std::pow(10.0L, negative ? -exponent : exponent);
  }
  return ResourceQuantity(std::stold(number) * scale);
}

unsigned ResourceQuantity::wholeCores() const noexcept {
  const auto cores = std::ceil(value_);
  if (cores < 1)
    return 1;
  if (cores > 1024)
    return 1024;
  return static_cast<unsigned>(cores);
}

}  // namespace wasmesh::deploy
