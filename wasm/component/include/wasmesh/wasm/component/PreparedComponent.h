#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/component/ComponentInstance.h"
#include "wasmesh/wasm/component/LinkedComponent.h"

namespace wasmesh::wasm::component {

// A linked component compiled for one engine: its core modules validated and compiled once,
// so that each instance costs only the core instantiations (a fresh instance per request, as
// `wasmtime serve` does, must be cheap). Lives on its engine's thread, like the engine.
class PreparedComponent {
 public:
  // Fails with the link error when the component cannot run with its host, or with the
  // engine's error for a core module that does not validate or exceeds the limits.
  static WasmResult<std::shared_ptr<PreparedComponent>> prepare(
      Engine& engine, std::shared_ptr<const LinkedComponent> linked, const Limits& limits);

  // A new instance; `state` is what its host functions receive.
  WasmResult<std::shared_ptr<ComponentInstance>> instantiate(
      std::unique_ptr<HostState> state) const;

  const LinkedComponent& linked() const { return *linked_; }
  const ComponentCounters& counters() const { return *counters_; }

 private:
  PreparedComponent(std::shared_ptr<const LinkedComponent> linked,
                    std::vector<std::shared_ptr<Module>> modules)
      : linked_(std::move(linked)), modules_(std::move(modules)) {}

  std::shared_ptr<const LinkedComponent> linked_;
  std::vector<std::shared_ptr<Module>> modules_;
  std::shared_ptr<ComponentCounters> counters_ = std::make_shared<ComponentCounters>();
};

}  // namespace wasmesh::wasm::component
