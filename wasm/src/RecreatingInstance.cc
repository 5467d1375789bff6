#include "wasmesh/wasm/RecreatingInstance.h"

namespace wasmesh::wasm {

WasmResult<std::shared_ptr<Instance>> RecreatingInstance::instance() {
  if (instance_ && !instance_->failure())
    return instance_;
  instance_.reset();
  auto created = module_->instantiate(imports_);
  if (!created) {
    count(created.error());
    return created.error();
  }
  ++counters_.instantiations;
  instance_ = *created;
  return instance_;
}

WasmResult<std::vector<Value>> RecreatingInstance::call(std::string_view exportName,
                                                        std::span<const Value> args) {
  auto live = instance();
  if (!live)
    return live.error();
  auto result = (*live)->call(exportName, args);
  if (!result) {
    count(result.error());
    if ((*live)->failure())
      instance_.reset();
  }
  return result;
}

void RecreatingInstance::count(const WasmError& error) {
  switch (error.code) {
    case errc::wasm_trap:
      ++counters_.traps;
      break;
    case errc::wasm_cpu_limit:
      ++counters_.cpuLimits;
      break;
    case errc::wasm_memory_limit:
      ++counters_.memoryLimits;
      break;
    case errc::wasm_exit:
      ++counters_.exits;
      break;
    default:
      break;
  }
}

}  // namespace wasmesh::wasm
