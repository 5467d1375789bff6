#include "wasmesh/wasm/component/TypeTable.h"

#include <algorithm>

namespace wasmesh::wasm::component {
namespace {

constexpr std::uint64_t kMaxSize = UINT32_MAX;

std::uint64_t alignTo(std::uint64_t offset, std::uint32_t alignment) {
  return (offset + alignment - 1) / alignment * alignment;
}

// The core type two variant cases share a flat slot as (CanonicalABI.md, join).
ValueType join(ValueType a, ValueType b) {
  if (a == b)
    return a;
  if ((a == ValueType::i32 && b == ValueType::f32) || (a == ValueType::f32 && b == ValueType::i32))
    return ValueType::i32;
  return ValueType::i64;
}

}  // namespace

TypeTable::TypeTable() {
  for (int i = 0; i <= static_cast<int>(PrimitiveType::string); ++i) {
    ValType type;
    type.kind = static_cast<ValKind>(i);
    layout(type);
    types_.push_back(std::move(type));
  }
}

std::uint32_t TypeTable::discriminantSize(std::size_t cases) {
  if (cases <= 256)
    return 1;
  if (cases <= 65536)
    return 2;
  return 4;
}

void TypeTable::layout(ValType& type) const {
  auto of = [this](TypeId id) -> const ValType& { return types_[id]; };
  std::uint64_t size = 0;
  std::uint32_t alignment = 1;
  std::uint32_t flat = 0;
  std::uint32_t depth = 0;
  bool borrow = false;
  bool memory = type.kind == ValKind::string || type.kind == ValKind::list;
  auto child = [&](const ValType& member) {
    depth = std::max(depth, member.depth);
    borrow = borrow || member.hasBorrow;
    memory = memory || member.usesMemory;
  };
  switch (type.kind) {
    case ValKind::boolean:
    case ValKind::s8:
    case ValKind::u8:
      size = alignment = 1;
      flat = 1;
      break;
    case ValKind::s16:
    case ValKind::u16:
      size = alignment = 2;
      flat = 1;
      break;
    case ValKind::s32:
    case ValKind::u32:
    case ValKind::f32:
    case ValKind::character:
    case ValKind::own:
    case ValKind::borrow:
      size = alignment = 4;
      flat = 1;
      borrow = type.kind == ValKind::borrow;
      break;
    case ValKind::s64:
    case ValKind::u64:
    case ValKind::f64:
      size = alignment = 8;
      flat = 1;
      break;
    case ValKind::string:
    case ValKind::list:
      size = 8;
      alignment = 4;
      flat = 2;
      if (type.kind == ValKind::list)
        child(of(type.element));
      break;
    case ValKind::fixedList: {
      const ValType& element = of(type.element);
      child(element);
      size = static_cast<std::uint64_t>(element.size) * type.length;
      alignment = element.alignment;
      flat = static_cast<std::uint32_t>(
          std::min<std::uint64_t>(std::uint64_t{element.flatCount} * type.length, kFlatCountLimit));
      break;
    }
    case ValKind::record:
    case ValKind::tuple: {
      for (const auto& member : type.members) {
        const ValType& field = of(*member);
        child(field);
        size = alignTo(size, field.alignment) + field.size;
        alignment = std::max(alignment, field.alignment);
        flat = std::min(flat + field.flatCount, kFlatCountLimit);
        if (size > kMaxSize)
          break;
      }
      size = alignTo(size, alignment);
      break;
    }
    case ValKind::flags: {
      const std::size_t labels = type.labels.size();
      size = alignment = labels <= 8 ? 1 : labels <= 16 ? 2 : 4;
      flat = 1;
      break;
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      const std::uint32_t discriminant = discriminantSize(type.members.size());
      std::uint64_t caseSize = 0;
      std::uint32_t caseAlignment = 1;
      std::uint32_t caseFlat = 0;
      for (const auto& member : type.members) {
        if (!member)
          continue;
        const ValType& payload = of(*member);
        child(payload);
        caseSize = std::max<std::uint64_t>(caseSize, payload.size);
        caseAlignment = std::max(caseAlignment, payload.alignment);
        caseFlat = std::max(caseFlat, payload.flatCount);
      }
      alignment = std::max(discriminant, caseAlignment);
      size = alignTo(alignTo(discriminant, caseAlignment) + caseSize, alignment);
      flat = std::min(1 + caseFlat, kFlatCountLimit);
      break;
    }
  }
  type.size = static_cast<std::uint32_t>(std::min(size, kMaxSize + 1 > kMaxSize ? kMaxSize : size));
  type.alignment = alignment;
  type.flatCount = flat;
  type.depth = depth + 1;
  type.hasBorrow = borrow;
  type.usesMemory = memory;
  // Remember an overflow as the largest size, which add() refuses.
  if (size > kMaxSize)
    type.size = UINT32_MAX;
}

WasmResult<TypeId> TypeTable::add(ValType type) {
  layout(type);
  if (type.depth > kMaxDepth) {
    return WasmError::make(errc::wasm_link_error,
                           "a type nests deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  if (type.size == UINT32_MAX)
    return WasmError::make(errc::wasm_link_error, "a type is larger than 4 GiB");
  types_.push_back(std::move(type));
  return static_cast<TypeId>(types_.size() - 1);
}

FuncTypeId TypeTable::addFunc(FuncType type) {
  funcs_.push_back(std::move(type));
  return static_cast<FuncTypeId>(funcs_.size() - 1);
}

ResourceId TypeTable::addResource(ResourceType type) {
  resources_.push_back(std::move(type));
  return static_cast<ResourceId>(resources_.size() - 1);
}

void TypeTable::flatten(TypeId id, std::vector<ValueType>& out) const {
  const ValType& type = types_[id];
  switch (type.kind) {
    case ValKind::s64:
    case ValKind::u64:
      out.push_back(ValueType::i64);
      return;
    case ValKind::f32:
      out.push_back(ValueType::f32);
      return;
    case ValKind::f64:
      out.push_back(ValueType::f64);
      return;
    case ValKind::string:
    case ValKind::list:
      out.push_back(ValueType::i32);
      out.push_back(ValueType::i32);
      return;
    case ValKind::fixedList:
      for (std::uint32_t i = 0; i < type.length && out.size() < 64; ++i)
        flatten(type.element, out);
      return;
    case ValKind::record:
    case ValKind::tuple:
      for (const auto& member : type.members)
        flatten(*member, out);
      return;
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      std::vector<ValueType> joined;
      for (const auto& member : type.members) {
        if (!member)
          continue;
        std::vector<ValueType> payload;
        flatten(*member, payload);
        for (std::size_t i = 0; i < payload.size(); ++i) {
          if (i < joined.size())
            joined[i] = join(joined[i], payload[i]);
          else
            joined.push_back(payload[i]);
        }
      }
      out.push_back(ValueType::i32);
      out.insert(out.end(), joined.begin(), joined.end());
      return;
    }
    default:
      out.push_back(ValueType::i32);
      return;
  }
}

std::uint32_t TypeTable::flatCount(const FuncType& type) const {
  std::uint32_t count = 0;
  for (TypeId param : type.params)
    count = std::min(count + types_[param].flatCount, kFlatCountLimit);
  return count;
}

FunctionType TypeTable::flattenFunc(FuncTypeId id, bool lower) const {
  const FuncType& type = funcs_[id];
  FunctionType core;
  if (flatCount(type) > kMaxFlatParams) {
    core.params.push_back(ValueType::i32);
  } else {
    for (TypeId param : type.params)
      flatten(param, core.params);
  }
  if (type.result) {
    if (types_[*type.result].flatCount > kMaxFlatResults) {
      if (lower)
        core.params.push_back(ValueType::i32);
      else
        core.results.push_back(ValueType::i32);
    } else {
      flatten(*type.result, core.results);
    }
  }
  return core;
}

}  // namespace wasmesh::wasm::component
