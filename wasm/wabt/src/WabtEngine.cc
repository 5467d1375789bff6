#include "wasmesh/wasm/wabt/WabtEngine.h"

#include <wabt/binary-reader.h>
#include <wabt/error-formatter.h>
#include <wabt/interp/binary-reader-interp.h>

#include "WabtModule.h"

namespace wasmesh::wasm::wabt {
namespace {

std::optional<std::uint64_t> readLeb(std::span<const std::uint8_t> bytes, std::size_t& at) {
  std::uint64_t value = 0;
  for (unsigned shift = 0; shift < 35 && at < bytes.size(); shift += 7) {
    const std::uint8_t next = bytes[at++];
    value |= static_cast<std::uint64_t>(next & 0x7fU) << shift;
    if ((next & 0x80U) == 0)
      return value;
  }
  return std::nullopt;
}

// A copy of `bytes` without its "name" custom section, or nothing when it has none or its
// sections cannot be walked (wabt then reports the problem itself). The contents of a custom
// section never make a module invalid, yet wabt 1.0.32 refuses names it disagrees with, such
// as those wit-component writes into its preview1 adapter ("function name count (73) > 72");
// wasmesh reads function names itself (ModuleInfo), so wabt need not see them.
std::optional<std::vector<std::uint8_t>> withoutNameSection(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t kHeader = 8;
  if (bytes.size() < kHeader)
    return std::nullopt;
  std::size_t at = kHeader;
  while (at < bytes.size()) {
    const std::size_t start = at;
    const std::uint8_t id = bytes[at++];
    auto size = readLeb(bytes, at);
    if (!size || *size > bytes.size() - at)
      return std::nullopt;
    const std::size_t end = at + *size;
    if (id == 0) {
      std::size_t nameAt = at;
      auto nameLength = readLeb(bytes, nameAt);
      constexpr std::string_view kName = "name";
      if (nameLength && *nameLength == kName.size() && nameAt + kName.size() <= end &&
          std::equal(kName.begin(), kName.end(), bytes.subspan(nameAt).begin())) {
        std::vector<std::uint8_t> out(bytes.data(), bytes.data() + start);
        out.insert(out.end(), bytes.data() + end, bytes.data() + bytes.size());
        return out;
      }
    }
    at = end;
  }
  return std::nullopt;
}

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
    std::vector<std::uint8_t> stripped;
    if (auto withoutNames = withoutNameSection(bytes)) {
      stripped = std::move(*withoutNames);
      bytes = stripped;
    }
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
    return std::make_shared<WabtModule>(store_, outcome_, std::move(module),
                                        std::move(prepared->info), limits, start);
  }

 private:
  ::wabt::Features features_;
  // Shared with every module and instance, whose references into it must go first.
  std::shared_ptr<interp::Store> store_ = std::make_shared<interp::Store>(features_);
  std::shared_ptr<WabtHostOutcome> outcome_ = std::make_shared<WabtHostOutcome>();
};

}  // namespace

std::unique_ptr<Engine> makeWabtEngine() {
  return std::make_unique<WabtEngine>();
}

}  // namespace wasmesh::wasm::wabt
