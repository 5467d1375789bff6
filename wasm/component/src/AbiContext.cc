#include "wasmesh/wasm/component/AbiContext.h"

namespace wasmesh::wasm::component {

WasmResult<void> AbiContext::spend(std::uint64_t bytes, std::uint64_t values) {
  usedBytes += bytes;
  usedValues += values;
  if (usedBytes > limits.maxBytes) {
    return abiTrap("a value needs more than " + std::to_string(limits.maxBytes) +
                   " bytes in the host");
  }
  if (usedValues > limits.maxValues)
    return abiTrap("a value has more than " + std::to_string(limits.maxValues) + " parts");
  return {};
}

WasmResult<GuestMemory*> AbiContext::view() {
  if (view_)
    return &*view_;
  if (memory == nullptr)
    return abiTrap("the canon definition names no memory, but the value needs one");
  auto fetched = memory->view();
  if (!fetched)
    return fetched.error();
  view_ = *fetched;
  return &*view_;
}

WasmResult<std::uint32_t> AbiContext::realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                              std::uint32_t alignment, std::uint32_t newSize) {
  if (memory == nullptr)
    return abiTrap("the canon definition names no memory, but the value needs one");
  view_.reset();
  auto pointer = memory->realloc(oldPointer, oldSize, alignment, newSize);
  if (!pointer)
    return pointer.error();
  if (*pointer % alignment != 0) {
    return abiTrap("realloc returned " + std::to_string(*pointer) + ", not aligned to " +
                   std::to_string(alignment));
  }
  auto current = view();
  if (!current)
    return current.error();
  if (!(*current)->contains(*pointer, newSize)) {
    return abiTrap("realloc returned " + std::to_string(*pointer) + " for " +
                   std::to_string(newSize) + " bytes, outside the memory of " +
                   std::to_string((*current)->size()) + " bytes");
  }
  return *pointer;
}

}  // namespace wasmesh::wasm::component
