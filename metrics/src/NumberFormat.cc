#include "NumberFormat.h"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>
#include <system_error>

namespace wasmesh::metrics::detail {
namespace {

// Large enough for any shortest double and for fixed notation of integers below 1e21.
constexpr std::size_t kBufferSize = 64;

bool appendNonFinite(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
    return true;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
    return true;
  }
  return false;
}

void appendChars(std::string& out, double value, std::chars_format format) {
  std::array<char, kBufferSize> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value, format);
  if (ec == std::errc{}) {
    out.append(buffer.data(), end);
  }
}

}  // namespace

void appendValue(std::string& out, double value) {
  if (appendNonFinite(out, value)) {
    return;
  }
  if (value == 0) {
    out += '0';  // also for -0, which would otherwise print as "-0"
    return;
  }
  constexpr double kFixedLimit = 1e21;
  if (value == std::trunc(value) && std::fabs(value) < kFixedLimit) {
    appendChars(out, value, std::chars_format::fixed);
    return;
  }
  std::array<char, kBufferSize> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec == std::errc{}) {
    out.append(buffer.data(), end);
  }
}

void appendBoundText(std::string& out, double bound) {
  if (appendNonFinite(out, bound)) {
    return;
  }
  if (bound == 0) {
    out += '0';
    return;
  }
  // Go's 'g' with shortest precision uses exponent form when the decimal exponent is
  // below -4 or at least 6 (its eprec for shortest output is 6).
  std::array<char, kBufferSize> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), bound,
                                       std::chars_format::scientific);
  if (ec != std::errc{}) {
    return;
  }
  const std::string_view scientific(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  const std::size_t ePos = scientific.find('e');
  int exponent = 0;
  std::from_chars(scientific.data() + ePos + (scientific[ePos + 1] == '+' ? 2 : 1),
                  scientific.data() + scientific.size(), exponent);
  constexpr int kMinFixedExponent = -4;
  constexpr int kMaxFixedExponent = 6;
  if (exponent < kMinFixedExponent || exponent >= kMaxFixedExponent) {
    out += scientific;
  } else {
    appendChars(out, bound, std::chars_format::fixed);
  }
}

void appendBoundOpenMetrics(std::string& out, double bound) {
  const std::size_t start = out.size();
  appendBoundText(out, bound);
  const std::string_view written = std::string_view(out).substr(start);
  if (written.find_first_of(".eIN") == std::string_view::npos) {
    out += ".0";
  }
}

}  // namespace wasmesh::metrics::detail
