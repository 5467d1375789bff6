#pragma once

#include <string_view>

#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm::wabt {

// The trap kind behind one of wabt's trap messages.
TrapKind trapKindFromMessage(std::string_view message);

}  // namespace wasmesh::wasm::wabt
