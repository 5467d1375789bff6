#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "wasmesh/wasm/component/TypeAst.h"

namespace wasmesh::wasm::component {

// How many entries each index space of one scope (a component, an instance type or a
// component type) holds so far, so the decoder can check every index as it reads it.
class DecodeScope {
 public:
  std::uint32_t count(Sort sort) const { return counts_[static_cast<std::size_t>(sort)]; }
  void add(Sort sort) { ++counts_[static_cast<std::size_t>(sort)]; }
  bool has(Sort sort, std::uint32_t index) const { return index < count(sort); }

 private:
  std::array<std::uint32_t, 12> counts_{};
};

}  // namespace wasmesh::wasm::component
