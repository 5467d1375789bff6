#include "wasmesh/wasm/component/PreparedComponent.h"

namespace wasmesh::wasm::component {

WasmResult<std::shared_ptr<PreparedComponent>> PreparedComponent::prepare(
    Engine& engine, std::shared_ptr<const LinkedComponent> linked, const Limits& limits) {
  if (linked->error)
    return *linked->error;
  std::vector<std::shared_ptr<Module>> modules;
  modules.reserve(linked->modules.size());
  for (std::size_t i = 0; i < linked->modules.size(); ++i) {
    auto module = engine.load(linked->modules[i], limits);
    if (!module) {
      WasmError error = module.error();
      error.message = "core module " + std::to_string(i) + ": " + error.message;
      return error;
    }
    modules.push_back(std::move(*module));
  }
  return std::shared_ptr<PreparedComponent>(
      new PreparedComponent(std::move(linked), std::move(modules)));
}

WasmResult<std::shared_ptr<ComponentInstance>> PreparedComponent::instantiate(
    std::unique_ptr<HostState> state) const {
  if (!state)
    state = std::make_unique<HostState>();
  auto instance = std::make_shared<ComponentInstance>(linked_, std::move(state), counters_);
  if (auto created = instance->instantiateCore(modules_); !created)
    return created.error();
  return instance;
}

}  // namespace wasmesh::wasm::component
