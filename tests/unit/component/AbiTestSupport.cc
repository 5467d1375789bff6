#include "AbiTestSupport.h"

#include <algorithm>
#include <cstring>

#include "wasmesh/wasm/component/HandleTable.h"

namespace wasmesh::wasm::component::test {

WasmResult<std::uint32_t> Heap::realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                        std::uint32_t alignment, std::uint32_t newSize) {
  ++calls;
  auto alignTo = [](std::uint64_t p, std::uint32_t a) { return (p + a - 1) / a * a; };
  if (oldPointer != 0 && newSize < oldSize)
    return static_cast<std::uint32_t>(alignTo(oldPointer, alignment));
  const std::uint64_t result = alignTo(lastAlloc, alignment);
  if (result + newSize > memory.size())
    return abiTrap("test heap out of memory");
  lastAlloc = static_cast<std::uint32_t>(result + newSize);
  std::memmove(memory.data() + result, memory.data() + oldPointer, oldSize);
  return static_cast<std::uint32_t>(result);
}

TypeId TypeBuilder::add(ValType type) {
  auto id = table.add(std::move(type));
  return id ? *id : 0;
}

TypeId TypeBuilder::record(std::initializer_list<std::pair<std::string, TypeId>> fields) {
  ValType type;
  type.kind = ValKind::record;
  for (const auto& [name, field] : fields) {
    type.labels.push_back(name);
    type.members.emplace_back(field);
  }
  return add(std::move(type));
}

TypeId TypeBuilder::tuple(std::initializer_list<TypeId> types) {
  ValType type;
  type.kind = ValKind::tuple;
  for (TypeId t : types)
    type.members.emplace_back(t);
  return add(std::move(type));
}

TypeId TypeBuilder::variant(
    std::initializer_list<std::pair<std::string, std::optional<TypeId>>> cases) {
  ValType type;
  type.kind = ValKind::variant;
  for (const auto& [name, payload] : cases) {
    type.labels.push_back(name);
    type.members.push_back(payload);
  }
  return add(std::move(type));
}

TypeId TypeBuilder::enumeration(std::initializer_list<std::string> labels) {
  ValType type;
  type.kind = ValKind::enumeration;
  for (const auto& label : labels) {
    type.labels.push_back(label);
    type.members.emplace_back();
  }
  return add(std::move(type));
}

TypeId TypeBuilder::flags(std::vector<std::string> labels) {
  ValType type;
  type.kind = ValKind::flags;
  type.labels = std::move(labels);
  return add(std::move(type));
}

TypeId TypeBuilder::flags(std::size_t count) {
  std::vector<std::string> labels;
  for (std::size_t i = 0; i < count; ++i)
    labels.push_back(std::to_string(i));
  return flags(std::move(labels));
}

TypeId TypeBuilder::option(TypeId inner) {
  ValType type;
  type.kind = ValKind::option;
  type.members = {std::nullopt, inner};
  return add(std::move(type));
}

TypeId TypeBuilder::result(std::optional<TypeId> ok, std::optional<TypeId> error) {
  ValType type;
  type.kind = ValKind::result;
  type.members = {ok, error};
  return add(std::move(type));
}

TypeId TypeBuilder::list(TypeId element) {
  ValType type;
  type.kind = ValKind::list;
  type.element = element;
  return add(std::move(type));
}

TypeId TypeBuilder::fixedList(TypeId element, std::uint32_t length) {
  ValType type;
  type.kind = ValKind::fixedList;
  type.element = element;
  type.length = length;
  return add(std::move(type));
}

TypeId TypeBuilder::own(ResourceId resource) {
  ValType type;
  type.kind = ValKind::own;
  type.resource = resource;
  return add(std::move(type));
}

TypeId TypeBuilder::borrow(ResourceId resource) {
  ValType type;
  type.kind = ValKind::borrow;
  type.resource = resource;
  return add(std::move(type));
}

std::vector<Value> coreValues(const TypeTable& table, TypeId type, std::vector<Number> numbers) {
  std::vector<ValueType> flat;
  table.flatten(type, flat);
  std::vector<Value> values;
  for (std::size_t i = 0; i < flat.size() && i < numbers.size(); ++i) {
    const Number& n = numbers[i];
    const bool isFloat = std::holds_alternative<double>(n);
    const double f = isFloat ? std::get<double>(n) : 0;
    const std::uint64_t u = isFloat ? 0 : std::get<std::uint64_t>(n);
    switch (flat[i]) {
      case ValueType::i32:
        values.push_back(Value::i32(static_cast<std::int32_t>(static_cast<std::uint32_t>(u))));
        break;
      case ValueType::i64:
        values.push_back(Value::i64(static_cast<std::int64_t>(u)));
        break;
      case ValueType::f32:
        values.push_back(isFloat ? Value::f32(static_cast<float>(f))
                                 : Value::f32Bits(static_cast<std::uint32_t>(u)));
        break;
      default:
        values.push_back(isFloat ? Value::f64(f) : Value::f64Bits(u));
        break;
    }
  }
  return values;
}

}  // namespace wasmesh::wasm::component::test
