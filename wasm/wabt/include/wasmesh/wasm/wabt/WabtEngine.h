#pragma once

#include <memory>

#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm::wabt {

// wabt's interpreter behind the engine interface. Every module and instance of one engine
// lives in the engine's store (so instances can import each other's exports); the store is
// single-threaded like the engine.
std::unique_ptr<Engine> makeWabtEngine();

}  // namespace wasmesh::wasm::wabt
