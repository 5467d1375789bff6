#pragma once

#include <v8-wasm.h>

#include <memory>

#include "V8Runtime.h"
#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm::v8 {

class V8Module final : public Module {
 public:
  V8Module(std::shared_ptr<V8Runtime> runtime, ::v8::Local<::v8::WasmModuleObject> module,
           ModuleInfo info, Limits limits);
  ~V8Module() override;
  V8Module(const V8Module&) = delete;
  V8Module& operator=(const V8Module&) = delete;

  const ModuleInfo& info() const override { return *info_; }
  WasmResult<std::shared_ptr<Instance>> instantiate(const Imports& imports) override;

 private:
  std::shared_ptr<V8Runtime> runtime_;  // first: outlives the handle below
  ::v8::Global<::v8::WasmModuleObject> module_;
  std::shared_ptr<const ModuleInfo> info_;
  Limits limits_;
};

}  // namespace wasmesh::wasm::v8
