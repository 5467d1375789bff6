#include "wasmesh/wasm/engines/EngineFactory.h"

#include "V8EngineModule.h"
#include "wasmesh/wasm/wabt/WabtEngine.h"

namespace wasmesh::wasm {

std::optional<EngineKind> parseEngineKind(std::string_view name) {
  if (name == "v8")
    return EngineKind::v8;
  if (name == "wabt")
    return EngineKind::wabt;
  return std::nullopt;
}

std::string_view toString(EngineKind kind) {
  return kind == EngineKind::v8 ? "v8" : "wabt";
}

std::vector<EngineKind> allEngineKinds() {
  return {EngineKind::v8, EngineKind::wabt};
}

WasmResult<std::unique_ptr<Engine>> makeEngine(EngineKind kind) {
  if (kind == EngineKind::wabt)
    return wabt::makeWabtEngine();
  auto create = V8EngineModule::factory();
  if (!create)
    return create.error();
  return (*create)();
}

}  // namespace wasmesh::wasm
