#include "wasmesh/wasm/v8/V8Engine.h"

#include <v8-exception.h>

#include "V8Module.h"

namespace wasmesh::wasm::v8 {
namespace {

class V8Engine final : public Engine {
 public:
  std::string_view name() const override { return "v8"; }
  bool supportsV128Values() const override { return true; }

  WasmResult<std::shared_ptr<Module>> load(std::span<const std::uint8_t> bytes,
                                           const Limits& limits) override {
    auto prepared = prepareModule(bytes, limits);
    if (!prepared)
      return prepared.error();
    bytes = prepared->bytes;
    ::v8::Isolate* isolate = runtime_->isolate();
    const V8Scope scope(*runtime_);
    const ::v8::TryCatch tryCatch(isolate);
    ::v8::Local<::v8::WasmModuleObject> module;
    if (!::v8::WasmModuleObject::Compile(isolate, {bytes.data(), bytes.size()}).ToLocal(&module)) {
      const ::v8::String::Utf8Value message(isolate, tryCatch.Exception());
      return WasmError::make(errc::wasm_invalid_module,
                             *message == nullptr ? "rejected by V8" : *message);
    }
    return std::make_shared<V8Module>(runtime_, module, std::move(prepared->info), limits);
  }

 private:
  std::shared_ptr<V8Runtime> runtime_ = std::make_shared<V8Runtime>();
};

}  // namespace

std::unique_ptr<Engine> makeV8Engine() {
  return std::make_unique<V8Engine>();
}

}  // namespace wasmesh::wasm::v8
