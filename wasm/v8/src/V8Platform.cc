#include "V8Platform.h"

#include <libplatform/libplatform.h>
#include <v8-initialization.h>

namespace wasmesh::wasm::v8 {

V8Platform& V8Platform::get() {
  static V8Platform platform;
  return platform;
}

V8Platform::V8Platform() : platform_(::v8::platform::NewDefaultPlatform()) {
  ::v8::V8::InitializePlatform(platform_.get());
  // Stack depth is limited per isolate (SetStackLimit before each call), memory per module
  // (ModuleInfo capMemory), so no process-wide wasm flags are needed here.
  ::v8::V8::Initialize();
}

}  // namespace wasmesh::wasm::v8
