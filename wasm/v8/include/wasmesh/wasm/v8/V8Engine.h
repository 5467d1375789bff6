#pragma once

#include <memory>

#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm::v8 {

// V8 behind the engine interface: one isolate and context per engine, used from the thread
// that created it. Modules and instances keep the isolate alive, so they may outlive the
// engine object, but not leave its thread.
std::unique_ptr<Engine> makeV8Engine();

}  // namespace wasmesh::wasm::v8
