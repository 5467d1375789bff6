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
  // With V8's trap handler a guest's out-of-bounds access faults in a guard region and becomes
  // a trap, instead of every load and store carrying an explicit bounds check: Node does the
  // same, and without it compute-bound guests ran up to 1.4x slower (bench/wasm). The SIGSEGV
  // handler it installs passes any fault outside wasm code on to the previous disposition.
  // If it cannot be installed, V8 keeps explicit bounds checks, which are just slower.
  static_cast<void>(::v8::V8::EnableWebAssemblyTrapHandler(true));
  // Stack depth is limited per isolate (SetStackLimit before each call), memory per module
  // (ModuleInfo capMemory), so no other process-wide wasm flags are needed here.
  ::v8::V8::Initialize();
}

}  // namespace wasmesh::wasm::v8
