#pragma once

#include "wasmesh/wasm/component/AbiContext.h"
#include "wasmesh/wasm/component/ComponentInstance.h"

namespace wasmesh::wasm::component {

// The memory and realloc a canon definition names, inside a component instance: the memory
// is viewed through the core instance that exports it, and realloc runs in the guest with
// the component instance barred from calling out (the canonical ABI's may_leave).
class InstanceMemory final : public AbiMemory {
 public:
  InstanceMemory(ComponentInstance& instance, const AbiOptions& options)
      : instance_(instance), options_(options) {}

  WasmResult<GuestMemory> view() override;
  WasmResult<std::uint32_t> realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                    std::uint32_t alignment, std::uint32_t newSize) override;

 private:
  ComponentInstance& instance_;
  const AbiOptions& options_;
};

}  // namespace wasmesh::wasm::component
