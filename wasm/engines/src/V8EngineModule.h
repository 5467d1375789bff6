#pragma once

#include <filesystem>
#include <vector>

#include "wasmesh/wasm/EngineModule.h"
#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm {

// Loads wasmesh_engine_v8.so, the V8 backend, on the first request for a V8 engine, so that a
// process that never runs Wasm on V8 never maps libnode (an idle proxy: 8.7 MiB resident
// instead of 23.1 MiB, docs/wasm.md).
//
// Where the module is found:
//  1. WASMESH_WASM_V8_MODULE, if set and not empty: the module's path (tests, odd layouts);
//  2. otherwise wasmesh_engine_v8.so in the directory of the running executable
//     (/proc/self/exe with symlinks resolved). The build puts the module next to `wasmesh`;
//  3. failing that, where `cmake --install` puts it relative to the executable
//     (bin/../lib/wasmesh/ with the default layout).
// When neither file exists, the error names both.
class V8EngineModule {
 public:
  // The factory of the loaded module, or errc::wasm_engine_failure naming the file and
  // dlerror()'s text (file missing, libnode missing, entry point missing, wrong ABI).
  // Loads once per process; later calls return the first outcome.
  static WasmResult<EngineCreateFunction> factory();

  // Where the module is looked for (the rule above): one path, or the two candidates.
  static std::vector<std::filesystem::path> candidates();

 private:
  struct Loaded {
    void* handle = nullptr;  // from dlopen; kept for the life of the process, never closed
    EngineCreateFunction create = nullptr;
  };
  static WasmResult<Loaded> load(const std::vector<std::filesystem::path>& candidates);
  static WasmResult<Loaded> load(const std::filesystem::path& file);
};

}  // namespace wasmesh::wasm
