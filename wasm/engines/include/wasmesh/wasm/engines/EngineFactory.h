#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm {

enum class EngineKind : std::uint8_t { v8, wabt };

// "v8" or "wabt".
std::optional<EngineKind> parseEngineKind(std::string_view name);
std::string_view toString(EngineKind kind);
// Every engine built in, V8 (the default) first.
std::vector<EngineKind> allEngineKinds();

std::unique_ptr<Engine> makeEngine(EngineKind kind);

}  // namespace wasmesh::wasm
