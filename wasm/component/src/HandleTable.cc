#include "wasmesh/wasm/component/HandleTable.h"

namespace wasmesh::wasm::component {

WasmError abiTrap(std::string why) {
  return WasmError::makeTrap(TrapKind::canonical_abi, {}, std::move(why));
}

WasmResult<std::uint32_t> HandleTable::add(const Handle& handle) {
  if (live_ >= maxHandles_)
    return abiTrap("handle table full (" + std::to_string(maxHandles_) + " handles)");
  ++live_;
  if (!free_.empty()) {
    const std::uint32_t index = free_.back();
    free_.pop_back();
    entries_[index] = handle;
    return index;
  }
  entries_.emplace_back(handle);
  return static_cast<std::uint32_t>(entries_.size() - 1);
}

WasmResult<Handle*> HandleTable::get(std::uint32_t index) {
  if (!occupied(index))
    return abiTrap("handle " + std::to_string(index) + " does not exist");
  return &*entries_[index];
}

WasmResult<Handle> HandleTable::remove(std::uint32_t index) {
  if (!occupied(index))
    return abiTrap("handle " + std::to_string(index) + " does not exist");
  Handle handle = *entries_[index];
  entries_[index].reset();
  free_.push_back(index);
  --live_;
  return handle;
}

WasmResult<std::uint32_t> HandleTable::rep(ResourceId resource, std::uint32_t index) {
  auto handle = get(index);
  if (!handle)
    return handle.error();
  if ((*handle)->resource != resource)
    return abiTrap("handle " + std::to_string(index) + " is of another resource type");
  return (*handle)->rep;
}

WasmResult<Handle> HandleTable::drop(ResourceId resource, std::uint32_t index) {
  auto handle = get(index);
  if (!handle)
    return abiTrap("drop of handle " + std::to_string(index) + ", which does not exist");
  if ((*handle)->resource != resource)
    return abiTrap("drop of handle " + std::to_string(index) + ", of another resource type");
  if ((*handle)->lends != 0)
    return abiTrap("drop of handle " + std::to_string(index) + ", which is lent out");
  return remove(index);
}

void HandleTable::endLends(const std::vector<std::uint32_t>& lenders) {
  for (const std::uint32_t index : lenders) {
    if (occupied(index) && entries_[index]->lends > 0)
      --entries_[index]->lends;
  }
}

}  // namespace wasmesh::wasm::component
