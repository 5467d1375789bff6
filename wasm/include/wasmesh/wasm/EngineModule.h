#pragma once

#include <cstdint>
#include <memory>

#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm {

// The contract between wasmesh and an engine backend built as a loadable module (the V8
// backend is one: it alone links libnode, so a process that never asks for V8 never maps
// libnode, ICU, libuv, c-ares and brotli).
//
// The module exports exactly one extern "C" function, named after the backend and this ABI's
// version (kV8EngineModuleEntry), which returns a pointer to a static EngineModuleEntry.
// Everything else crosses as C++: the factory returns the engine interface itself (Engine,
// Module, Instance: pure virtual classes) together with WasmError, Imports and the other
// types of this folder. That is sound only because the module and the program come from the
// same build (same compiler, same flags, same headers of wasmesh, Boost and the standard
// library); the module is not a plug-in API for third parties. The entry records the ABI
// version and the compiler so that a module left over from another build is refused with an
// error instead of crashing the process.
//
// Bump kEngineModuleAbiVersion (and the symbol's suffix) whenever the interface types change
// shape.
inline constexpr std::uint32_t kEngineModuleAbiVersion = 2;

// Never throws: a backend reports failures as WasmError values, not exceptions.
using EngineCreateFunction = std::unique_ptr<Engine> (*)() noexcept;

struct EngineModuleEntry {
  std::uint32_t abiVersion = 0;    // kEngineModuleAbiVersion of the module's build
  const char* compiler = nullptr;  // __VERSION__ of the compiler that built the module
  EngineCreateFunction create = nullptr;
};

using EngineModuleEntryFunction = const EngineModuleEntry* (*)() noexcept;

// The V8 backend's module file and entry point.
inline constexpr const char* kV8EngineModuleFile = "wasmesh_engine_v8.so";
inline constexpr const char* kV8EngineModuleEntry = "wasmesh_engine_v8_create_v2";

}  // namespace wasmesh::wasm
