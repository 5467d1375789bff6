#pragma once

#include <v8-platform.h>

#include <memory>

namespace wasmesh::wasm::v8 {

// V8 keeps its platform and its "initialized" flag in process-wide state of its own and
// cannot be initialized twice (nor again after V8::Dispose). So the one platform of the
// process is created on first use and lives until exit: a function-local static, whose
// initialization C++ makes thread-safe. It holds nothing that changes afterwards.
class V8Platform {
 public:
  static V8Platform& get();

 private:
  V8Platform();
  std::unique_ptr<::v8::Platform> platform_;
};

}  // namespace wasmesh::wasm::v8
