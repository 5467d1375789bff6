#include "WabtTraps.h"

#include <array>
#include <utility>

namespace wasmesh::wasm::wabt {

TrapKind trapKindFromMessage(std::string_view message) {
  static constexpr std::array<std::pair<std::string_view, TrapKind>, 13> kWords{{
      {"unreachable", TrapKind::unreachable},
      {"out of bounds memory access", TrapKind::memory_out_of_bounds},
      {"out of bounds table access", TrapKind::table_out_of_bounds},
      {"undefined table index", TrapKind::table_out_of_bounds},
      {"integer divide by zero", TrapKind::integer_divide_by_zero},
      {"integer overflow", TrapKind::integer_overflow},
      {"invalid conversion", TrapKind::invalid_conversion},
      {"indirect call signature mismatch", TrapKind::indirect_call_mismatch},
      {"uninitialized table element", TrapKind::uninitialized_element},
      {"null", TrapKind::null_reference},
      {"call stack exhausted", TrapKind::call_stack_exhausted},
      {"value stack exhausted", TrapKind::call_stack_exhausted},
      {"out of bounds", TrapKind::memory_out_of_bounds},
  }};
  for (const auto& [words, kind] : kWords) {
    if (message.find(words) != std::string_view::npos)
      return kind;
  }
  return TrapKind::unknown;
}

}  // namespace wasmesh::wasm::wabt
