#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/component/AbiContext.h"
#include "wasmesh/wasm/component/HandleTable.h"
#include "wasmesh/wasm/component/HostInterface.h"
#include "wasmesh/wasm/component/LinkedComponent.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component {

// What went wrong with the instances of one prepared component (counted where they fail).
struct ComponentCounters {
  std::uint64_t instantiations = 0;
  std::uint64_t traps = 0;  // canonical ABI violations included
  std::uint64_t limits = 0;
  std::uint64_t exits = 0;
};

// One instance of a component: its core instances, one handle table per component instance
// inside it, and the host's state for it. Single-threaded, on its engine's thread.
//
// A trap anywhere (in guest code, or a canonical ABI violation: a bad pointer, length,
// alignment, string or handle), a limit, or an exit fails the instance for good: every later
// call returns the first error at once, and the owner discards it. Other instances and the
// host are not affected.
class ComponentInstance {
 public:
  ComponentInstance(std::shared_ptr<const LinkedComponent> linked, std::unique_ptr<HostState> state,
                    std::shared_ptr<ComponentCounters> counters);
  ~ComponentInstance();
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  // Calls an exported function ("greet", "wasi:cli/run@0.2.12#run") with component values.
  WasmResult<std::optional<Val>> call(std::string_view exportName, std::span<const Val> arguments);

  const std::optional<WasmError>& failure() const { return failure_; }
  HostState& state() { return *state_; }
  const LinkedComponent& linked() const { return *linked_; }
  // The handle table of component instance `index` (0: the outermost), for tests.
  const HandleTable& handles(std::uint32_t index = 0) const { return tables_[index]; }

 private:
  friend class PreparedComponent;
  friend class InstanceMemory;

  // The instantiation steps, run by PreparedComponent.
  WasmResult<void> instantiateCore(const std::vector<std::shared_ptr<Module>>& modules);
  Imports importsFor(const CoreInstantiation& instantiation);

  // A guest calling a lowered function (canon lower), or a resource built-in.
  HostOutcome callLowered(std::uint32_t index, std::span<const Value> arguments,
                          std::span<Value> results);
  HostOutcome resourceBuiltin(const CoreFuncRef& ref, std::span<const Value> arguments,
                              std::span<Value> results);
  // Calls a lifted function (canon lift) with component values.
  WasmResult<std::optional<Val>> callLifted(std::uint32_t index, std::span<const Val> arguments);
  WasmResult<std::optional<Val>> callFunction(const ComponentFunc& func,
                                              std::vector<Val>& arguments);
  // The outcome a host function reports for an error, keeping the error itself so the call
  // that fails reports it exactly (the engine only carries a message back).
  HostOutcome hostFailure(WasmError error, const std::string& function);
  // The error a failed core call really is.
  WasmError failedCall(WasmError error);
  WasmError fail(WasmError error);

  std::shared_ptr<const LinkedComponent> linked_;
  std::unique_ptr<HostState> state_;
  std::shared_ptr<ComponentCounters> counters_;
  std::vector<std::shared_ptr<Instance>> cores_;
  std::vector<HandleTable> tables_;
  std::vector<bool> mayEnter_;
  std::vector<bool> mayLeave_;
  std::vector<CallState*> calls_;
  std::optional<WasmError> failure_;
  std::optional<WasmError> hostError_;
};

}  // namespace wasmesh::wasm::component
