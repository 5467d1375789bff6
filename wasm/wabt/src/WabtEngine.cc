#include "wasmesh/wasm/wabt/WabtEngine.h"

#include <wabt/binary-reader.h>
#include <wabt/error-formatter.h>
#include <wabt/interp/binary-reader-interp.h>

#include "WabtModule.h"

namespace wasmesh::wasm::wabt {
namespace {

class WabtEngine final : public Engine {
 public:
  std::string_view name() const override { return "wabt"; }
  bool supportsV128Values() const override { return true; }

  WasmResult<std::shared_ptr<Module>> load(std::span<const std::uint8_t> bytes,
                                           const Limits& limits) override {
    auto prepared = prepareModule(bytes, limits);
    if (!prepared)
      return prepared.error();
    bytes = prepared->bytes;
    ::wabt::Errors errors;
    interp::ModuleDesc desc;
    const ::wabt::ReadBinaryOptions options(features_, nullptr, false, true, true);
    const auto result = interp::ReadBinaryInterp("module.wasm", bytes.data(), bytes.size(), options,
                                                 &errors, &desc);
    if (::wabt::Failed(result)) {
      std::string message = errors.empty() ? "rejected by wabt" : errors.front().message;
      return WasmError::make(errc::wasm_invalid_module, std::move(message));
    }
    // wabt would run the start function inside Instance::Instantiate, beyond any limit; the
    // module runs it itself afterwards (WabtModule::instantiate), under the call limits.
    std::optional<interp::Index> start;
    if (!desc.starts.empty())
      start = desc.starts.front().func_index;
    desc.starts.clear();
    auto module = interp::Module::New(*store_, std::move(desc));
    return std::make_shared<WabtModule>(store_, std::move(module), std::move(prepared->info),
                                        limits, start);
  }

 private:
  ::wabt::Features features_;
  // Shared with every module and instance, whose references into it must go first.
  std::shared_ptr<interp::Store> store_ = std::make_shared<interp::Store>(features_);
};

}  // namespace

std::unique_ptr<Engine> makeWabtEngine() {
  return std::make_unique<WabtEngine>();
}

}  // namespace wasmesh::wasm::wabt
