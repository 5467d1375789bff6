#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm {

enum class EngineKind : std::uint8_t { v8, wabt };

// "v8" or "wabt".
std::optional<EngineKind> parseEngineKind(std::string_view name);
std::string_view toString(EngineKind kind);
// Every engine built in, V8 (the default) first.
std::vector<EngineKind> allEngineKinds();

// A new engine. wabt is linked in and always available. V8 lives in a module loaded on the
// first request (see V8EngineModule: WASMESH_WASM_V8_MODULE, else wasmesh_engine_v8.so next to
// the executable); if it cannot be loaded, errc::wasm_engine_failure says which file and why.
WasmResult<std::unique_ptr<Engine>> makeEngine(EngineKind kind);

}  // namespace wasmesh::wasm
