#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm {

// What went wrong with an instance over its owner's lifetime (the metrics of issue 5).
struct InstanceCounters {
  std::uint64_t instantiations = 0;
  std::uint64_t traps = 0;
  std::uint64_t cpuLimits = 0;
  std::uint64_t memoryLimits = 0;
  std::uint64_t exits = 0;
};

// An instance that does not stay broken: a call that traps, hits a limit or exits fails with
// its error, is counted, and the instance is discarded; the next call instantiates afresh.
// Guest state therefore does not survive a failure, which is the point: a trapped guest's
// memory can be in any state.
class RecreatingInstance {
 public:
  RecreatingInstance(std::shared_ptr<Module> module, Imports imports)
      : module_(std::move(module)), imports_(std::move(imports)) {}

  WasmResult<std::vector<Value>> call(std::string_view exportName, std::span<const Value> args);
  // The live instance, instantiating one when there is none.
  WasmResult<std::shared_ptr<Instance>> instance();
  const InstanceCounters& counters() const { return counters_; }

 private:
  void count(const WasmError& error);

  std::shared_ptr<Module> module_;
  Imports imports_;
  std::shared_ptr<Instance> instance_;
  InstanceCounters counters_;
};

}  // namespace wasmesh::wasm
