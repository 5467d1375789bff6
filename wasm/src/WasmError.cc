#include "wasmesh/wasm/WasmError.h"

#include <stdexcept>

namespace wasmesh::wasm {

std::string toString(TrapKind kind) {
  switch (kind) {
    case TrapKind::none:
      return "none";
    case TrapKind::unreachable:
      return "unreachable";
    case TrapKind::memory_out_of_bounds:
      return "out of bounds memory access";
    case TrapKind::table_out_of_bounds:
      return "out of bounds table access";
    case TrapKind::integer_divide_by_zero:
      return "integer divide by zero";
    case TrapKind::integer_overflow:
      return "integer overflow";
    case TrapKind::invalid_conversion:
      return "invalid conversion to integer";
    case TrapKind::indirect_call_mismatch:
      return "indirect call type mismatch";
    case TrapKind::uninitialized_element:
      return "uninitialized element";
    case TrapKind::null_reference:
      return "null reference";
    case TrapKind::call_stack_exhausted:
      return "call stack exhausted";
    case TrapKind::host_error:
      return "host function error";
    case TrapKind::canonical_abi:
      return "canonical ABI violation";
    case TrapKind::unknown:
      return "unknown";
  }
  return "unknown";
}

std::string WasmError::describe() const {
  switch (code) {
    case errc::wasm_trap: {
      std::string line = "trap: " + toString(trap);
      if (!function.empty())
        line += " in function " + function;
      if (trap == TrapKind::host_error || trap == TrapKind::canonical_abi ||
          trap == TrapKind::unknown)
        line += " (" + message + ")";
      return line;
    }
    case errc::wasm_cpu_limit:
    case errc::wasm_memory_limit:
      return "limit: " + message;
    case errc::wasm_exit:
      return "exit: " + std::to_string(exitCode);
    case errc::wasm_link_error:
      return "link: " + message;
    case errc::wasm_malformed_module:
      return "malformed module: " + message;
    case errc::wasm_invalid_module:
      return "invalid module: " + message;
    case errc::wasm_instantiation_failed:
      return "instantiation: " + message;
    case errc::wasm_unsupported_feature:
      return "unsupported: " + message;
    default:
      return make_error_code(code).message() + (message.empty() ? "" : ": " + message);
  }
}

void throw_exception_from_error(const WasmError& error, const boost::source_location&) {
  throw std::runtime_error(error.describe());
}

}  // namespace wasmesh::wasm
