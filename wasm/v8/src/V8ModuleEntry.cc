// The one symbol wasmesh_engine_v8.so exports (see wasmesh/wasm/EngineModule.h); the linker's
// version script (wasm/v8/exports.map) hides everything else, including the module's own
// copies of wasmesh's static libraries, so nothing in it interposes on the program's symbols.

#include "wasmesh/wasm/EngineModule.h"
#include "wasmesh/wasm/v8/V8Engine.h"

namespace {

std::unique_ptr<wasmesh::wasm::Engine> createV8Engine() noexcept {
  return wasmesh::wasm::v8::makeV8Engine();
}

constexpr wasmesh::wasm::EngineModuleEntry kEntry{wasmesh::wasm::kEngineModuleAbiVersion,
                                                  __VERSION__, &createV8Engine};

}  // namespace

extern "C" [[gnu::visibility("default")]] const wasmesh::wasm::EngineModuleEntry*
wasmesh_engine_v8_create_v2() noexcept {
  return &kEntry;
}
