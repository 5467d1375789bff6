#include "InstanceMemory.h"

#include <array>

namespace wasmesh::wasm::component {

WasmResult<GuestMemory> InstanceMemory::view() {
  if (!options_.memory)
    return abiTrap("the canon definition names no memory, but the value needs one");
  return instance_.cores_[options_.memory->instance]->exportedMemory(options_.memory->name);
}

WasmResult<std::uint32_t> InstanceMemory::realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                                  std::uint32_t alignment, std::uint32_t newSize) {
  if (!options_.realloc)
    return abiTrap("the canon definition names no realloc, but the value needs one");
  const std::array arguments{Value::i32(static_cast<std::int32_t>(oldPointer)),
                             Value::i32(static_cast<std::int32_t>(oldSize)),
                             Value::i32(static_cast<std::int32_t>(alignment)),
                             Value::i32(static_cast<std::int32_t>(newSize))};
  const std::uint32_t component = options_.instance;
  instance_.mayLeave_[component] = false;
  auto result =
      instance_.cores_[options_.realloc->instance]->call(options_.realloc->name, arguments);
  instance_.mayLeave_[component] = true;
  if (!result)
    return instance_.failedCall(result.error());
  if (result->size() != 1 || (*result)[0].type != ValueType::i32)
    return abiTrap("realloc did not return an i32");
  return (*result)[0].asU32();
}

}  // namespace wasmesh::wasm::component
