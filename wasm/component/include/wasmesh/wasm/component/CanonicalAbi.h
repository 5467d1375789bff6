#pragma once

#include <optional>
#include <span>
#include <vector>

#include "wasmesh/wasm/Value.h"
#include "wasmesh/wasm/component/AbiContext.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component {

// The synchronous canonical ABI of a function call (CanonicalABI.md, canon lift and canon
// lower), driven by the function's type: parameters beyond 16 flat values travel through
// memory (allocated with the guest's realloc when the host calls in), a result beyond one
// flat value too (at the caller's return pointer when the guest calls out, at the pointer the
// guest returns when the host calls in). Every trap is a WasmError of kind canonical_abi.
class CanonicalAbi {
 public:
  // canon lower, on entry: the guest's core arguments as component values.
  static WasmResult<std::vector<Val>> liftArguments(AbiContext& cx, const FuncType& type,
                                                    std::span<const Value> core);
  // canon lower, on return: the result as core results, or stored at the return pointer (the
  // last core argument).
  static WasmResult<void> lowerResult(AbiContext& cx, const FuncType& type,
                                      const std::optional<Val>& result,
                                      std::span<const Value> coreArguments,
                                      std::span<Value> coreResults);
  // canon lift, on entry: the host's arguments as the guest's core arguments.
  static WasmResult<std::vector<Value>> lowerArguments(AbiContext& cx, const FuncType& type,
                                                       std::span<const Val> arguments);
  // canon lift, on return: the guest's core results as the component result.
  static WasmResult<std::optional<Val>> liftResult(AbiContext& cx, const FuncType& type,
                                                   std::span<const Value> coreResults);

  // Whether a host value has the shape of `type` (handles: of the right kind), so that a host
  // passing wrong arguments is refused before the guest is touched.
  static bool matches(const TypeTable& types, const Val& value, TypeId type);

  // The layout of a function's parameters as one tuple in memory.
  struct TupleLayout {
    std::vector<std::uint32_t> offsets;
    std::uint32_t size = 0;
    std::uint32_t alignment = 1;
  };
  static TupleLayout paramLayout(const TypeTable& types, const FuncType& type);
};

}  // namespace wasmesh::wasm::component
