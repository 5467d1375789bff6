#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/TypeTable.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component {

// Component values as text, in the WAVE notation `wasmtime run --invoke` uses:
// `greet("world")`, `sum([1, 2, -3])`, `centroid([{x: 1, y: 2}])`, `some(1)`, `ok("x")`,
// `'c'`, `{read, write}` for flags. Parsing is driven by the expected type (so `1` is a u8 or
// an s64 as the parameter says); printing by the value's type (so records print their field
// names). Resources cannot be written.
class WaveCodec {
 public:
  struct Call {
    std::string function;
    std::vector<Val> arguments;
  };

  // `name(arg, ...)`: the export's name, then its arguments parsed as `parameterTypes` once
  // `types` of the named function are known (the callback looks the name up).
  static WasmResult<Call> parseCall(std::string_view text, const TypeTable& types,
                                    const std::function<const FuncType*(std::string_view)>& find);
  static WasmResult<Val> parse(std::string_view text, const TypeTable& types, TypeId type);
  static std::string print(const Val& value, const TypeTable& types, TypeId type);
};

}  // namespace wasmesh::wasm::component
