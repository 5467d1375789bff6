#include "wasmesh/wasm/component/CanonicalAbi.h"

#include <algorithm>

#include "FlatCodec.h"
#include "MemoryCodec.h"

namespace wasmesh::wasm::component {
namespace {

std::uint32_t alignTo(std::uint64_t offset, std::uint32_t alignment) {
  return static_cast<std::uint32_t>((offset + alignment - 1) / alignment * alignment);
}

// A pointer the guest hands over for a value of `size` bytes: aligned and inside the memory.
WasmResult<void> checkPointer(AbiContext& cx, std::uint32_t pointer, std::uint32_t alignment,
                              std::uint32_t size, const char* what) {
  if (pointer % alignment != 0)
    return abiTrap(std::string(what) + " " + std::to_string(pointer) + " is not aligned to " +
                   std::to_string(alignment));
  auto view = cx.view();
  if (!view)
    return view.error();
  if (!(*view)->contains(pointer, size))
    return abiTrap(std::string(what) + " " + std::to_string(pointer) + " for " +
                   std::to_string(size) + " bytes is outside the memory of " +
                   std::to_string((*view)->size()) + " bytes");
  return {};
}

}  // namespace

bool CanonicalAbi::matches(const TypeTable& types, const Val& value, TypeId id) {
  const ValType& type = types[id];
  const ValKind want = type.kind == ValKind::fixedList ? ValKind::list : type.kind;
  if (value.kind() != want)
    return false;
  switch (type.kind) {
    case ValKind::list:
      if (value.isByteList())
        return types[type.element].kind == ValKind::u8 || types[type.element].kind == ValKind::s8;
      return std::all_of(value.items().begin(), value.items().end(),
                         [&](const Val& item) { return matches(types, item, type.element); });
    case ValKind::fixedList:
      return !value.isByteList() && value.items().size() == type.length &&
             std::all_of(value.items().begin(), value.items().end(),
                         [&](const Val& item) { return matches(types, item, type.element); });
    case ValKind::record:
    case ValKind::tuple:
      if (value.items().size() != type.members.size())
        return false;
      for (std::size_t i = 0; i < type.members.size(); ++i) {
        if (!matches(types, value.items()[i], *type.members[i]))
          return false;
      }
      return true;
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      if (value.caseIndex() >= type.members.size())
        return false;
      const auto& payload = type.members[value.caseIndex()];
      if (payload.has_value() != (value.payload() != nullptr))
        return false;
      return !payload || matches(types, *value.payload(), *payload);
    }
    default:
      return true;
  }
}

CanonicalAbi::TupleLayout CanonicalAbi::paramLayout(const TypeTable& types, const FuncType& type) {
  TupleLayout layout;
  std::uint64_t offset = 0;
  for (TypeId param : type.params) {
    const ValType& t = types[param];
    offset = alignTo(offset, t.alignment);
    layout.offsets.push_back(static_cast<std::uint32_t>(offset));
    offset += t.size;
    layout.alignment = std::max(layout.alignment, t.alignment);
  }
  layout.size = alignTo(offset, layout.alignment);
  return layout;
}

WasmResult<std::vector<Val>> CanonicalAbi::liftArguments(AbiContext& cx, const FuncType& type,
                                                         std::span<const Value> core) {
  std::vector<Val> arguments;
  arguments.reserve(type.params.size());
  if (cx.types.flatCount(type) > TypeTable::kMaxFlatParams) {
    if (core.empty() || core[0].type != ValueType::i32)
      return abiTrap("missing the parameter pointer");
    const TupleLayout layout = paramLayout(cx.types, type);
    const std::uint32_t pointer = core[0].asU32();
    if (auto checked = checkPointer(cx, pointer, layout.alignment, layout.size, "parameters at");
        !checked)
      return checked.error();
    for (std::size_t i = 0; i < type.params.size(); ++i) {
      auto value = MemoryCodec::load(cx, pointer + layout.offsets[i], type.params[i]);
      if (!value)
        return value.error();
      arguments.push_back(std::move(*value));
    }
    return arguments;
  }
  FlatCodec::Reader in(core);
  for (TypeId param : type.params) {
    auto value = FlatCodec::lift(cx, in, param);
    if (!value)
      return value.error();
    arguments.push_back(std::move(*value));
  }
  return arguments;
}

WasmResult<void> CanonicalAbi::lowerResult(AbiContext& cx, const FuncType& type,
                                           const std::optional<Val>& result,
                                           std::span<const Value> coreArguments,
                                           std::span<Value> coreResults) {
  if (!type.result)
    return result ? abiTrap("the host returned a value for a function without a result")
                  : WasmResult<void>{};
  if (!result)
    return abiTrap("the host returned no value for a function with a result");
  const ValType& resultType = cx.types[*type.result];
  if (resultType.flatCount > TypeTable::kMaxFlatResults) {
    if (coreArguments.empty() || coreArguments.back().type != ValueType::i32)
      return abiTrap("missing the return pointer");
    const std::uint32_t pointer = coreArguments.back().asU32();
    if (auto checked =
            checkPointer(cx, pointer, resultType.alignment, resultType.size, "return pointer");
        !checked)
      return checked;
    return MemoryCodec::store(cx, *result, *type.result, pointer);
  }
  std::vector<Value> flat;
  if (auto lowered = FlatCodec::lower(cx, *result, *type.result, flat); !lowered)
    return lowered;
  if (flat.size() != coreResults.size())
    return abiTrap("the result flattens to " + std::to_string(flat.size()) +
                   " core values, the "
                   "import returns " +
                   std::to_string(coreResults.size()));
  std::copy(flat.begin(), flat.end(), coreResults.begin());
  return {};
}

WasmResult<std::vector<Value>> CanonicalAbi::lowerArguments(AbiContext& cx, const FuncType& type,
                                                            std::span<const Val> arguments) {
  if (arguments.size() != type.params.size())
    return WasmError::make(errc::wasm_bad_call,
                           "the function takes " + std::to_string(type.params.size()) +
                               " arguments, not " + std::to_string(arguments.size()));
  std::vector<Value> core;
  if (cx.types.flatCount(type) > TypeTable::kMaxFlatParams) {
    const TupleLayout layout = paramLayout(cx.types, type);
    auto pointer = cx.realloc(0, 0, layout.alignment, layout.size);
    if (!pointer)
      return pointer.error();
    for (std::size_t i = 0; i < arguments.size(); ++i) {
      if (auto stored =
              MemoryCodec::store(cx, arguments[i], type.params[i], *pointer + layout.offsets[i]);
          !stored)
        return stored.error();
    }
    core.push_back(Value::i32(static_cast<std::int32_t>(*pointer)));
    return core;
  }
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (auto lowered = FlatCodec::lower(cx, arguments[i], type.params[i], core); !lowered)
      return lowered.error();
  }
  return core;
}

WasmResult<std::optional<Val>> CanonicalAbi::liftResult(AbiContext& cx, const FuncType& type,
                                                        std::span<const Value> coreResults) {
  if (!type.result)
    return std::optional<Val>();
  const ValType& resultType = cx.types[*type.result];
  if (resultType.flatCount > TypeTable::kMaxFlatResults) {
    if (coreResults.size() != 1 || coreResults[0].type != ValueType::i32)
      return abiTrap("the export did not return a result pointer");
    const std::uint32_t pointer = coreResults[0].asU32();
    if (auto checked =
            checkPointer(cx, pointer, resultType.alignment, resultType.size, "result pointer");
        !checked)
      return checked.error();
    auto value = MemoryCodec::load(cx, pointer, *type.result);
    if (!value)
      return value.error();
    return std::optional<Val>(std::move(*value));
  }
  FlatCodec::Reader in(coreResults);
  auto value = FlatCodec::lift(cx, in, *type.result);
  if (!value)
    return value.error();
  return std::optional<Val>(std::move(*value));
}

}  // namespace wasmesh::wasm::component
