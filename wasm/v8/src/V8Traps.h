#pragma once

#include <string>
#include <string_view>

#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm::v8 {

// The trap kind behind V8's RuntimeError/RangeError message.
TrapKind trapKindFromMessage(std::string_view message);

// The innermost function named in an Error's `stack` text ("    at fact (wasm://...)").
std::string functionFromStack(std::string_view stack);

}  // namespace wasmesh::wasm::v8
