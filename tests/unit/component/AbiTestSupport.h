#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "wasmesh/wasm/component/AbiContext.h"
#include "wasmesh/wasm/component/TypeTable.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component::test {

// The reference implementation's test heap (run_tests.py, Heap): a byte array and a bump
// allocator whose realloc copies the old bytes and shrinks in place, trapping when full.
class Heap final : public AbiMemory {
 public:
  explicit Heap(std::size_t size) : memory(size) {}
  explicit Heap(std::vector<std::uint8_t> bytes) : memory(std::move(bytes)) {}

  WasmResult<GuestMemory> view() override { return GuestMemory{memory}; }
  WasmResult<std::uint32_t> realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                    std::uint32_t alignment, std::uint32_t newSize) override;

  std::vector<std::uint8_t> memory;
  std::uint32_t lastAlloc = 0;
  int calls = 0;
};

// Builds value types in a table, as the reference tests spell them.
class TypeBuilder {
 public:
  TypeId record(std::initializer_list<std::pair<std::string, TypeId>> fields);
  TypeId tuple(std::initializer_list<TypeId> types);
  TypeId variant(std::initializer_list<std::pair<std::string, std::optional<TypeId>>> cases);
  TypeId enumeration(std::initializer_list<std::string> labels);
  TypeId flags(std::vector<std::string> labels);
  TypeId flags(std::size_t count);  // labels "0", "1", ...
  TypeId option(TypeId type);
  TypeId result(std::optional<TypeId> ok, std::optional<TypeId> error);
  TypeId list(TypeId element);
  TypeId fixedList(TypeId element, std::uint32_t length);
  TypeId own(ResourceId resource);
  TypeId borrow(ResourceId resource);
  static TypeId prim(PrimitiveType type) { return TypeTable::primitive(type); }

  TypeTable table;

 private:
  TypeId add(ValType type);
};

// A core value given as the reference tests write them: an integer or a float.
using Number = std::variant<std::uint64_t, double>;
// Core values for `type`'s flat types, from the reference tests' numbers.
std::vector<Value> coreValues(const TypeTable& table, TypeId type, std::vector<Number> numbers);

}  // namespace wasmesh::wasm::component::test
