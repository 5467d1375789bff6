#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <string>

#include "wasmesh/common/Error.h"

namespace wasmesh::wasm {

// What a trap was, independent of the engine's wording.
enum class TrapKind : std::uint8_t {
  none,
  unreachable,
  memory_out_of_bounds,
  table_out_of_bounds,
  integer_divide_by_zero,
  integer_overflow,
  invalid_conversion,
  indirect_call_mismatch,
  uninitialized_element,
  null_reference,
  call_stack_exhausted,
  host_error,     // a host function refused to continue (for example a WASI misuse)
  canonical_abi,  // a component broke the canonical ABI (bad pointer, handle, string...)
  unknown,
};

// "unreachable", "out of bounds memory access", ...: the words the CLI prints after "trap: ".
std::string toString(TrapKind kind);

// An engine failure with what the wasmesh::errc code alone cannot carry: the trap kind, the
// function it happened in, the limit that was hit, the guest's exit code.
struct WasmError {
  errc code = errc::wasm_engine_failure;
  TrapKind trap = TrapKind::none;
  std::string function;  // the guest function that trapped, when known
  std::string message;   // the engine's or the host's words
  int exitCode = 0;      // for errc::wasm_exit

  static WasmError make(errc code, std::string message) {
    return {code, TrapKind::none, {}, std::move(message), 0};
  }
  static WasmError makeTrap(TrapKind kind, std::string function, std::string message) {
    return {errc::wasm_trap, kind, std::move(function), std::move(message), 0};
  }
  static WasmError exit(int code) { return {errc::wasm_exit, TrapKind::none, {}, {}, code}; }

  // One line: "trap: unreachable in function crash", "limit: ...", "link: ...".
  std::string describe() const;
};

// Hook boost::system::result uses when value() is called on an error: a programming error
// (callers test the result first), so it throws outside the data path.
[[noreturn]] void throw_exception_from_error(const WasmError& error,  // NOLINT: ADL hook
                                             const boost::source_location& location);

template <typename T>
using WasmResult = boost::system::result<T, WasmError>;

}  // namespace wasmesh::wasm
