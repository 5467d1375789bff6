#include "V8Traps.h"

#include <array>
#include <utility>

namespace wasmesh::wasm::v8 {

TrapKind trapKindFromMessage(std::string_view message) {
  static constexpr std::array<std::pair<std::string_view, TrapKind>, 13> kWords{{
      {"unreachable", TrapKind::unreachable},
      {"memory access out of bounds", TrapKind::memory_out_of_bounds},
      {"data segment", TrapKind::memory_out_of_bounds},
      {"table index is out of bounds", TrapKind::table_out_of_bounds},
      {"table access", TrapKind::table_out_of_bounds},
      {"element segment", TrapKind::table_out_of_bounds},
      {"by zero", TrapKind::integer_divide_by_zero},
      {"divide result unrepresentable", TrapKind::integer_overflow},
      {"float unrepresentable", TrapKind::invalid_conversion},
      {"signature mismatch", TrapKind::indirect_call_mismatch},
      {"null", TrapKind::null_reference},
      {"Maximum call stack size exceeded", TrapKind::call_stack_exhausted},
      {"out of bounds", TrapKind::memory_out_of_bounds},
  }};
  for (const auto& [words, kind] : kWords) {
    if (message.find(words) != std::string_view::npos)
      return kind;
  }
  return TrapKind::unknown;
}

std::string functionFromStack(std::string_view stack) {
  constexpr std::string_view kAt = "    at ";
  const auto at = stack.find(kAt);
  if (at == std::string_view::npos)
    return {};
  auto frame = stack.substr(at + kAt.size());
  frame = frame.substr(0, frame.find('\n'));
  // "name (wasm://wasm/hash:wasm-function[3]:0x2a)" or, unnamed, "wasm://...:wasm-function[3]:..."
  if (const auto paren = frame.find(" ("); paren != std::string_view::npos)
    return std::string(frame.substr(0, paren));
  if (const auto index = frame.find("wasm-function["); index != std::string_view::npos) {
    const auto close = frame.find(']', index);
    return std::string(
        frame.substr(index, close == std::string_view::npos ? close : close - index + 1));
  }
  return std::string(frame);
}

}  // namespace wasmesh::wasm::v8
