#include "FlatCodec.h"

#include "MemoryCodec.h"

namespace wasmesh::wasm::component {
namespace {

Value zero(ValueType type) {
  return Value{type, 0, 0};
}

// A payload's flat value widened into its variant's joined slot (CanonicalABI.md,
// lower_flat_variant): f32 bits into i32, i32 zero-extended into i64, floats' bits into i64.
Value widen(const Value& value, ValueType slot) {
  if (value.type == slot)
    return value;
  if (slot == ValueType::i32)
    return Value{ValueType::i32, value.low & 0xffffffffU, 0};
  return Value{ValueType::i64, value.type == ValueType::f64 ? value.low : value.low & 0xffffffffU,
               0};
}

}  // namespace

WasmResult<Value> FlatCodec::Reader::next(ValueType want) {
  if (next_ >= values_.size())
    return abiTrap("fewer core values than the type needs");
  const Value& have = values_[next_++];
  if (have.type == want)
    return have;
  // Narrowing a joined slot back to the payload's own type.
  if (want == ValueType::i32 || want == ValueType::f32)
    return Value{want, have.low & 0xffffffffU, 0};
  if (want == ValueType::f64 && have.type == ValueType::i64)
    return Value{want, have.low, 0};
  if (want == ValueType::i64)
    return Value{want, have.low, 0};
  return abiTrap("core value of the wrong type");
}

bool FlatCodec::Reader::skip(std::size_t count) {
  if (values_.size() - next_ < count)
    return false;
  next_ += count;
  return true;
}

WasmResult<Val> FlatCodec::lift(AbiContext& cx, Reader& in, TypeId id) {
  const ValType& type = cx.types[id];
  auto i32 = [&in]() -> WasmResult<std::uint32_t> {
    auto value = in.next(ValueType::i32);
    if (!value)
      return value.error();
    return value->asU32();
  };
  switch (type.kind) {
    case ValKind::s64:
    case ValKind::u64:
    case ValKind::f32:
    case ValKind::f64: {
      const ValueType core = type.kind == ValKind::f32   ? ValueType::f32
                             : type.kind == ValKind::f64 ? ValueType::f64
                                                         : ValueType::i64;
      auto value = in.next(core);
      if (!value)
        return value.error();
      return MemoryCodec::fromBits(type, value->low);
    }
    case ValKind::string:
    case ValKind::list: {
      auto pointer = i32();
      auto length = pointer ? i32() : pointer;
      if (!length)
        return length.error();
      return type.kind == ValKind::string
                 ? MemoryCodec::loadString(cx, *pointer, *length)
                 : MemoryCodec::loadList(cx, *pointer, *length, type.element);
    }
    case ValKind::fixedList:
    case ValKind::record:
    case ValKind::tuple: {
      const std::size_t count = type.kind == ValKind::fixedList ? type.length : type.members.size();
      if (auto spent = cx.spend(0, count); !spent)
        return spent.error();
      std::vector<Val> items;
      items.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        auto item = lift(cx, in, type.kind == ValKind::fixedList ? type.element : *type.members[i]);
        if (!item)
          return item.error();
        items.push_back(std::move(*item));
      }
      if (type.kind == ValKind::record)
        return Val::record(std::move(items));
      if (type.kind == ValKind::tuple)
        return Val::tuple(std::move(items));
      return Val::list(std::move(items));
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      auto index = i32();
      if (!index)
        return index.error();
      if (*index >= type.members.size())
        return abiTrap("variant case " + std::to_string(*index) + " out of range (" +
                       std::to_string(type.members.size()) + " cases)");
      std::vector<ValueType> joined;
      cx.types.flatten(id, joined);
      std::size_t used = 0;
      std::optional<Val> payload;
      if (const auto& member = type.members[*index]) {
        std::vector<ValueType> own;
        cx.types.flatten(*member, own);
        used = own.size();
        auto lifted = lift(cx, in, *member);
        if (!lifted)
          return lifted.error();
        payload = std::move(*lifted);
      }
      if (!in.skip(joined.size() - 1 - used))
        return abiTrap("fewer core values than the variant needs");
      switch (type.kind) {
        case ValKind::enumeration:
          return Val::enumeration(*index);
        case ValKind::option:
          return *index == 0 ? Val::none() : Val::some(std::move(*payload));
        case ValKind::result:
          return *index == 0 ? Val::ok(std::move(payload)) : Val::err(std::move(payload));
        default:
          return Val::variant(*index, std::move(payload));
      }
    }
    case ValKind::own:
    case ValKind::borrow: {
      auto index = i32();
      if (!index)
        return index.error();
      return MemoryCodec::liftHandle(cx, *index, type);
    }
    default: {
      auto bits = i32();
      if (!bits)
        return bits.error();
      return MemoryCodec::fromBits(type, *bits);
    }
  }
}

WasmResult<void> FlatCodec::lower(AbiContext& cx, const Val& value, TypeId id,
                                  std::vector<Value>& out) {
  const ValType& type = cx.types[id];
  switch (type.kind) {
    case ValKind::s64:
    case ValKind::u64:
    case ValKind::f32:
    case ValKind::f64: {
      auto bits = MemoryCodec::toBits(type, value);
      if (!bits)
        return bits.error();
      const ValueType core = type.kind == ValKind::f32   ? ValueType::f32
                             : type.kind == ValKind::f64 ? ValueType::f64
                                                         : ValueType::i64;
      out.push_back(Value{core, *bits, 0});
      return {};
    }
    case ValKind::string:
    case ValKind::list: {
      if (value.kind() != type.kind)
        return valueMismatch(value, type);
      auto stored = type.kind == ValKind::string ? MemoryCodec::storeString(cx, value.text())
                                                 : MemoryCodec::storeList(cx, value, type.element);
      if (!stored)
        return stored.error();
      out.push_back(Value::i32(static_cast<std::int32_t>(stored->first)));
      out.push_back(Value::i32(static_cast<std::int32_t>(stored->second)));
      return {};
    }
    case ValKind::fixedList:
    case ValKind::record:
    case ValKind::tuple: {
      const std::size_t count = type.kind == ValKind::fixedList ? type.length : type.members.size();
      const ValKind want = type.kind == ValKind::fixedList ? ValKind::list : type.kind;
      if (value.kind() != want || value.isByteList() || value.items().size() != count)
        return valueMismatch(value, type);
      for (std::size_t i = 0; i < count; ++i) {
        auto lowered =
            lower(cx, value.items()[i],
                  type.kind == ValKind::fixedList ? type.element : *type.members[i], out);
        if (!lowered)
          return lowered;
      }
      return {};
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      const std::uint32_t index = value.caseIndex();
      if (value.kind() != type.kind || index >= type.members.size() ||
          type.members[index].has_value() != (value.payload() != nullptr))
        return valueMismatch(value, type);
      std::vector<ValueType> joined;
      cx.types.flatten(id, joined);
      out.push_back(Value::i32(static_cast<std::int32_t>(index)));
      std::vector<Value> payload;
      if (const auto& member = type.members[index]) {
        if (auto lowered = lower(cx, *value.payload(), *member, payload); !lowered)
          return lowered;
      }
      for (std::size_t i = 1; i < joined.size(); ++i)
        out.push_back(i - 1 < payload.size() ? widen(payload[i - 1], joined[i]) : zero(joined[i]));
      return {};
    }
    case ValKind::own:
    case ValKind::borrow: {
      auto index = MemoryCodec::lowerHandle(cx, value, type);
      if (!index)
        return index.error();
      out.push_back(Value::i32(static_cast<std::int32_t>(*index)));
      return {};
    }
    default: {
      auto bits = MemoryCodec::toBits(type, value);
      if (!bits)
        return bits.error();
      out.push_back(Value::i32(static_cast<std::int32_t>(static_cast<std::uint32_t>(*bits))));
      return {};
    }
  }
}

}  // namespace wasmesh::wasm::component
