#include "MemoryCodec.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "ComponentReader.h"
#include "TextEncoding.h"

namespace wasmesh::wasm::component {
namespace {

constexpr std::uint32_t kCanonicalNan32 = 0x7fc00000;
constexpr std::uint64_t kCanonicalNan64 = 0x7ff8000000000000;

std::uint32_t alignTo(std::uint32_t pointer, std::uint32_t alignment) {
  return static_cast<std::uint32_t>((std::uint64_t{pointer} + alignment - 1) / alignment *
                                    alignment);
}

std::uint32_t caseAlignment(const TypeTable& types, const ValType& type) {
  std::uint32_t alignment = 1;
  for (const auto& member : type.members) {
    if (member)
      alignment = std::max(alignment, types[*member].alignment);
  }
  return alignment;
}

WasmResult<std::uint64_t> readBits(AbiContext& cx, std::uint32_t pointer, std::uint32_t size) {
  auto view = cx.view();
  if (!view)
    return view.error();
  std::array<std::uint8_t, 8> bytes{};
  if (!(*view)->read(pointer, std::span(bytes.data(), size)))
    return abiTrap("read of " + std::to_string(size) + " bytes at " + std::to_string(pointer) +
                   " outside the memory");
  std::uint64_t bits = 0;
  for (std::uint32_t i = 0; i < size; ++i)
    bits |= std::uint64_t{bytes[i]} << (8 * i);
  return bits;
}

WasmResult<void> writeBits(AbiContext& cx, std::uint32_t pointer, std::uint32_t size,
                           std::uint64_t bits) {
  auto view = cx.view();
  if (!view)
    return view.error();
  std::array<std::uint8_t, 8> bytes{};
  for (std::uint32_t i = 0; i < size; ++i)
    bytes[i] = static_cast<std::uint8_t>(bits >> (8 * i));
  if (!(*view)->write(pointer, std::span<const std::uint8_t>(bytes.data(), size)))
    return abiTrap("write of " + std::to_string(size) + " bytes at " + std::to_string(pointer) +
                   " outside the memory");
  return {};
}

bool matchesKind(const Val& value, const ValType& type) {
  if (type.kind == ValKind::fixedList)
    return value.kind() == ValKind::list;
  return value.kind() == type.kind;
}

}  // namespace

WasmError valueMismatch(const Val& value, const ValType& type) {
  return abiTrap("host value " + toString(value).substr(0, 64) + " does not have the type kind " +
                 std::to_string(static_cast<int>(type.kind)) + " the guest expects");
}

WasmResult<Val> MemoryCodec::fromBits(const ValType& type, std::uint64_t bits) {
  switch (type.kind) {
    case ValKind::boolean:
      return Val::boolean((bits & 0xffffffffU) != 0);
    case ValKind::s8:
      return Val::s8(static_cast<std::int8_t>(bits));
    case ValKind::u8:
      return Val::u8(static_cast<std::uint8_t>(bits));
    case ValKind::s16:
      return Val::s16(static_cast<std::int16_t>(bits));
    case ValKind::u16:
      return Val::u16(static_cast<std::uint16_t>(bits));
    case ValKind::s32:
      return Val::s32(static_cast<std::int32_t>(bits));
    case ValKind::u32:
      return Val::u32(static_cast<std::uint32_t>(bits));
    case ValKind::s64:
      return Val::s64(static_cast<std::int64_t>(bits));
    case ValKind::u64:
      return Val::u64(bits);
    case ValKind::f32: {
      auto raw = static_cast<std::uint32_t>(bits);
      if ((raw & 0x7f800000U) == 0x7f800000U && (raw & 0x007fffffU) != 0)
        raw = kCanonicalNan32;
      return Val::f32(std::bit_cast<float>(raw));
    }
    case ValKind::f64: {
      if ((bits & 0x7ff0000000000000U) == 0x7ff0000000000000U && (bits & 0x000fffffffffffffU) != 0)
        bits = kCanonicalNan64;
      return Val::f64(std::bit_cast<double>(bits));
    }
    case ValKind::character: {
      const auto c = static_cast<std::uint32_t>(bits);
      if (!isScalarValue(c))
        return abiTrap("char " + std::to_string(c) + " is not a Unicode scalar value");
      return Val::character(static_cast<char32_t>(c));
    }
    case ValKind::flags: {
      const std::size_t n = type.labels.size();
      const std::uint64_t mask = n >= 32 ? 0xffffffffU : (std::uint64_t{1} << n) - 1;
      return Val::flags(static_cast<std::uint32_t>(bits & mask));
    }
    default:
      return abiTrap("not a scalar type");
  }
}

WasmResult<std::uint64_t> MemoryCodec::toBits(const ValType& type, const Val& value) {
  if (!matchesKind(value, type))
    return valueMismatch(value, type);
  switch (type.kind) {
    case ValKind::f32: {
      auto raw = static_cast<std::uint32_t>(value.bits());
      if ((raw & 0x7f800000U) == 0x7f800000U && (raw & 0x007fffffU) != 0)
        raw = kCanonicalNan32;
      return raw;
    }
    case ValKind::f64: {
      std::uint64_t raw = value.bits();
      if ((raw & 0x7ff0000000000000U) == 0x7ff0000000000000U && (raw & 0x000fffffffffffffU) != 0)
        raw = kCanonicalNan64;
      return raw;
    }
    case ValKind::character:
      if (!isScalarValue(value.asU32()))
        return abiTrap("host char is not a Unicode scalar value");
      return value.asU32();
    case ValKind::boolean:
      return value.asBool() ? 1U : 0U;
    default:
      return value.bits();
  }
}

WasmResult<Val> MemoryCodec::load(AbiContext& cx, std::uint32_t pointer, TypeId id) {
  const ValType& type = cx.types[id];
  switch (type.kind) {
    case ValKind::string:
    case ValKind::list: {
      auto begin = readBits(cx, pointer, 4);
      auto length = begin ? readBits(cx, pointer + 4, 4) : begin;
      if (!length)
        return length.error();
      const auto b = static_cast<std::uint32_t>(*begin);
      const auto n = static_cast<std::uint32_t>(*length);
      return type.kind == ValKind::string ? loadString(cx, b, n) : loadList(cx, b, n, type.element);
    }
    case ValKind::fixedList: {
      if (auto spent = cx.spend(0, type.length); !spent)
        return spent.error();
      const ValType& element = cx.types[type.element];
      std::vector<Val> items;
      items.reserve(type.length);
      for (std::uint32_t i = 0; i < type.length; ++i) {
        auto item = load(cx, pointer + i * element.size, type.element);
        if (!item)
          return item.error();
        items.push_back(std::move(*item));
      }
      return Val::list(std::move(items));
    }
    case ValKind::record:
    case ValKind::tuple: {
      if (auto spent = cx.spend(0, type.members.size()); !spent)
        return spent.error();
      std::vector<Val> fields;
      fields.reserve(type.members.size());
      for (const auto& member : type.members) {
        const ValType& field = cx.types[*member];
        pointer = alignTo(pointer, field.alignment);
        auto value = load(cx, pointer, *member);
        if (!value)
          return value.error();
        fields.push_back(std::move(*value));
        pointer += field.size;
      }
      return type.kind == ValKind::record ? Val::record(std::move(fields))
                                          : Val::tuple(std::move(fields));
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      const std::uint32_t discriminant = TypeTable::discriminantSize(type.members.size());
      auto index = readBits(cx, pointer, discriminant);
      if (!index)
        return index.error();
      if (*index >= type.members.size())
        return abiTrap("variant case " + std::to_string(*index) + " out of range (" +
                       std::to_string(type.members.size()) + " cases)");
      const auto caseIndex = static_cast<std::uint32_t>(*index);
      std::optional<Val> payload;
      if (const auto& member = type.members[caseIndex]) {
        auto loaded =
            load(cx, alignTo(pointer + discriminant, caseAlignment(cx.types, type)), *member);
        if (!loaded)
          return loaded.error();
        payload = std::move(*loaded);
      }
      switch (type.kind) {
        case ValKind::enumeration:
          return Val::enumeration(caseIndex);
        case ValKind::option:
          return caseIndex == 0 ? Val::none() : Val::some(std::move(*payload));
        case ValKind::result:
          return caseIndex == 0 ? Val::ok(std::move(payload)) : Val::err(std::move(payload));
        default:
          return Val::variant(caseIndex, std::move(payload));
      }
    }
    case ValKind::own:
    case ValKind::borrow: {
      auto index = readBits(cx, pointer, 4);
      if (!index)
        return index.error();
      return liftHandle(cx, static_cast<std::uint32_t>(*index), type);
    }
    default: {
      auto bits = readBits(cx, pointer, type.size);
      if (!bits)
        return bits.error();
      return fromBits(type, *bits);
    }
  }
}

WasmResult<void> MemoryCodec::store(AbiContext& cx, const Val& value, TypeId id,
                                    std::uint32_t pointer) {
  const ValType& type = cx.types[id];
  if (!matchesKind(value, type))
    return valueMismatch(value, type);
  switch (type.kind) {
    case ValKind::string:
    case ValKind::list: {
      auto stored = type.kind == ValKind::string ? storeString(cx, value.text())
                                                 : storeList(cx, value, type.element);
      if (!stored)
        return stored.error();
      if (auto written = writeBits(cx, pointer, 4, stored->first); !written)
        return written;
      return writeBits(cx, pointer + 4, 4, stored->second);
    }
    case ValKind::fixedList: {
      if (value.listSize() != type.length || value.isByteList())
        return valueMismatch(value, type);
      const ValType& element = cx.types[type.element];
      for (std::uint32_t i = 0; i < type.length; ++i) {
        if (auto stored = store(cx, value.items()[i], type.element, pointer + i * element.size);
            !stored)
          return stored;
      }
      return {};
    }
    case ValKind::record:
    case ValKind::tuple: {
      if (value.items().size() != type.members.size())
        return valueMismatch(value, type);
      for (std::size_t i = 0; i < type.members.size(); ++i) {
        const ValType& field = cx.types[*type.members[i]];
        pointer = alignTo(pointer, field.alignment);
        if (auto stored = store(cx, value.items()[i], *type.members[i], pointer); !stored)
          return stored;
        pointer += field.size;
      }
      return {};
    }
    case ValKind::variant:
    case ValKind::enumeration:
    case ValKind::option:
    case ValKind::result: {
      const std::uint32_t caseIndex = value.caseIndex();
      if (caseIndex >= type.members.size() ||
          type.members[caseIndex].has_value() != (value.payload() != nullptr))
        return valueMismatch(value, type);
      const std::uint32_t discriminant = TypeTable::discriminantSize(type.members.size());
      if (auto written = writeBits(cx, pointer, discriminant, caseIndex); !written)
        return written;
      if (const auto& member = type.members[caseIndex]) {
        return store(cx, *value.payload(), *member,
                     alignTo(pointer + discriminant, caseAlignment(cx.types, type)));
      }
      return {};
    }
    case ValKind::own:
    case ValKind::borrow: {
      auto index = lowerHandle(cx, value, type);
      if (!index)
        return index.error();
      return writeBits(cx, pointer, 4, *index);
    }
    default: {
      auto bits = toBits(type, value);
      if (!bits)
        return bits.error();
      return writeBits(cx, pointer, type.size, *bits);
    }
  }
}

WasmResult<Val> MemoryCodec::loadString(AbiContext& cx, std::uint32_t pointer,
                                        std::uint32_t taggedUnits) {
  std::uint32_t alignment = 2;
  std::uint64_t byteLength = 0;
  StringEncoding encoding = cx.encoding;
  switch (cx.encoding) {
    case StringEncoding::utf8:
      alignment = 1;
      byteLength = taggedUnits;
      break;
    case StringEncoding::utf16:
      byteLength = std::uint64_t{2} * taggedUnits;
      break;
    case StringEncoding::latin1Utf16:
      if ((taggedUnits & kUtf16Tag) != 0) {
        byteLength = std::uint64_t{2} * (taggedUnits ^ kUtf16Tag);
        encoding = StringEncoding::utf16;
      } else {
        byteLength = taggedUnits;
      }
      break;
  }
  if (pointer % alignment != 0)
    return abiTrap("string at " + std::to_string(pointer) + " is not aligned to " +
                   std::to_string(alignment));
  auto view = cx.view();
  if (!view)
    return view.error();
  if (!(*view)->contains(pointer, byteLength))
    return abiTrap("string of " + std::to_string(byteLength) + " bytes at " +
                   std::to_string(pointer) + " outside the memory of " +
                   std::to_string((*view)->size()) + " bytes");
  if (auto spent = cx.spend(byteLength, 1); !spent)
    return spent.error();
  std::vector<std::uint8_t> bytes(byteLength);
  (*view)->read(pointer, bytes);
  if (encoding == StringEncoding::utf16) {
    auto text = utf16ToUtf8(bytes);
    if (!text)
      return abiTrap("string at " + std::to_string(pointer) + " is not valid UTF-16");
    return Val::string(std::move(*text));
  }
  if (encoding == StringEncoding::latin1Utf16)
    return Val::string(latin1ToUtf8(bytes));
  std::string text(bytes.begin(), bytes.end());
  if (!isValidUtf8(text))
    return abiTrap("string at " + std::to_string(pointer) + " is not valid UTF-8");
  return Val::string(std::move(text));
}

WasmResult<std::pair<std::uint32_t, std::uint32_t>> MemoryCodec::storeString(
    AbiContext& cx, std::string_view utf8) {
  if (utf8.size() > kMaxStringBytes)
    return abiTrap("string too long for the guest");
  const auto units = static_cast<std::uint32_t>(utf8.size());
  auto copy = [&](std::uint32_t pointer, std::span<const std::uint8_t> bytes) -> WasmResult<void> {
    auto view = cx.view();
    if (!view)
      return view.error();
    if (!(*view)->write(pointer, bytes))
      return abiTrap("string write outside the memory");
    return {};
  };
  if (cx.encoding == StringEncoding::utf8) {
    auto pointer = cx.realloc(0, 0, 1, units);
    if (!pointer)
      return pointer.error();
    if (auto copied =
            copy(*pointer, {reinterpret_cast<const std::uint8_t*>(utf8.data()), utf8.size()});
        !copied)
      return copied.error();
    return std::pair{*pointer, units};
  }
  auto utf16 = utf8ToUtf16(utf8);
  if (!utf16)
    return abiTrap("host string is not valid UTF-8");
  std::vector<std::uint8_t> encoded;
  encoded.reserve(utf16->size() * 2);
  for (const char16_t unit : *utf16) {
    encoded.push_back(static_cast<std::uint8_t>(unit));
    encoded.push_back(static_cast<std::uint8_t>(unit >> 8));
  }
  const std::uint64_t worstCase = std::uint64_t{2} * units;
  if (worstCase > kMaxStringBytes)
    return abiTrap("string too long for the guest");
  const auto worst = static_cast<std::uint32_t>(worstCase);
  const auto encodedSize = static_cast<std::uint32_t>(encoded.size());
  if (cx.encoding == StringEncoding::utf16) {
    auto pointer = cx.realloc(0, 0, 2, worst);
    if (!pointer)
      return pointer.error();
    if (auto copied = copy(*pointer, encoded); !copied)
      return copied.error();
    if (encodedSize < worst) {
      pointer = cx.realloc(*pointer, worst, 2, encodedSize);
      if (!pointer)
        return pointer.error();
    }
    return std::pair{*pointer, encodedSize / 2};
  }
  // latin1+utf16: Latin-1 while every scalar value fits in a byte, else UTF-16 from there on.
  auto pointer = cx.realloc(0, 0, 2, units);
  if (!pointer)
    return pointer.error();
  std::vector<std::uint8_t> latin1;
  for (const char16_t unit : *utf16) {
    if (unit < 0x100) {
      latin1.push_back(static_cast<std::uint8_t>(unit));
      continue;
    }
    pointer = cx.realloc(*pointer, units, 2, worst);
    if (!pointer)
      return pointer.error();
    if (auto copied = copy(*pointer, encoded); !copied)
      return copied.error();
    if (worst > encodedSize) {
      pointer = cx.realloc(*pointer, worst, 2, encodedSize);
      if (!pointer)
        return pointer.error();
    }
    return std::pair{*pointer, (encodedSize / 2) | kUtf16Tag};
  }
  if (auto copied = copy(*pointer, latin1); !copied)
    return copied.error();
  const auto latin1Size = static_cast<std::uint32_t>(latin1.size());
  if (latin1Size < units) {
    pointer = cx.realloc(*pointer, units, 2, latin1Size);
    if (!pointer)
      return pointer.error();
  }
  return std::pair{*pointer, latin1Size};
}

WasmResult<Val> MemoryCodec::loadList(AbiContext& cx, std::uint32_t pointer, std::uint32_t length,
                                      TypeId elementId) {
  const ValType& element = cx.types[elementId];
  if (pointer % element.alignment != 0)
    return abiTrap("list at " + std::to_string(pointer) + " is not aligned to " +
                   std::to_string(element.alignment));
  const std::uint64_t byteLength = std::uint64_t{length} * element.size;
  auto view = cx.view();
  if (!view)
    return view.error();
  if (!(*view)->contains(pointer, byteLength))
    return abiTrap("list of " + std::to_string(length) + " elements at " + std::to_string(pointer) +
                   " outside the memory of " + std::to_string((*view)->size()) + " bytes");
  if (element.kind == ValKind::u8 || element.kind == ValKind::s8) {
    if (auto spent = cx.spend(byteLength, 1); !spent)
      return spent.error();
    std::vector<std::uint8_t> bytes(length);
    (*view)->read(pointer, bytes);
    return Val::bytes(bytes);
  }
  if (auto spent = cx.spend(0, length); !spent)
    return spent.error();
  std::vector<Val> items;
  items.reserve(length);
  for (std::uint32_t i = 0; i < length; ++i) {
    auto item = load(cx, pointer + i * element.size, elementId);
    if (!item)
      return item.error();
    items.push_back(std::move(*item));
  }
  return Val::list(std::move(items));
}

WasmResult<std::pair<std::uint32_t, std::uint32_t>> MemoryCodec::storeList(AbiContext& cx,
                                                                           const Val& value,
                                                                           TypeId elementId) {
  const ValType& element = cx.types[elementId];
  const std::size_t length = value.listSize();
  const std::uint64_t byteLength = std::uint64_t{length} * element.size;
  if (byteLength >= (std::uint64_t{1} << 32))
    return abiTrap("list too long for the guest");
  auto pointer = cx.realloc(0, 0, element.alignment, static_cast<std::uint32_t>(byteLength));
  if (!pointer)
    return pointer.error();
  if (value.isByteList()) {
    if (element.kind != ValKind::u8 && element.kind != ValKind::s8)
      return valueMismatch(value, element);
    auto view = cx.view();
    if (!view)
      return view.error();
    if (!(*view)->write(*pointer, value.byteSpan()))
      return abiTrap("list write outside the memory");
  } else {
    for (std::size_t i = 0; i < length; ++i) {
      if (auto stored = store(cx, value.items()[i], elementId,
                              *pointer + static_cast<std::uint32_t>(i) * element.size);
          !stored)
        return stored.error();
    }
  }
  return std::pair{*pointer, static_cast<std::uint32_t>(length)};
}

WasmResult<Val> MemoryCodec::liftHandle(AbiContext& cx, std::uint32_t index, const ValType& type) {
  if (cx.handles == nullptr)
    return abiTrap("no handle table");
  auto handle = cx.handles->get(index);
  if (!handle)
    return handle.error();
  Handle& h = **handle;
  if (h.resource != type.resource) {
    return abiTrap("handle " + std::to_string(index) + " is a " +
                   cx.types.resource(h.resource).name + ", not a " +
                   cx.types.resource(type.resource).name);
  }
  if (type.kind == ValKind::own) {
    if (!h.own)
      return abiTrap("handle " + std::to_string(index) + " is borrowed, not owned");
    if (h.lends != 0)
      return abiTrap("handle " + std::to_string(index) + " is lent out");
    auto removed = cx.handles->remove(index);
    return Val::own(removed->rep);
  }
  if (h.own) {
    ++h.lends;
    if (cx.call != nullptr)
      cx.call->lenders.push_back(index);
  }
  return Val::borrow(h.rep);
}

WasmResult<std::uint32_t> MemoryCodec::lowerHandle(AbiContext& cx, const Val& value,
                                                   const ValType& type) {
  if (value.kind() != type.kind)
    return valueMismatch(value, type);
  if (cx.handles == nullptr)
    return abiTrap("no handle table");
  const ResourceType& resource = cx.types.resource(type.resource);
  if (type.kind == ValKind::own)
    return cx.handles->add(Handle{type.resource, value.rep(), true, 0, 0});
  // A borrow of a resource the receiving instance itself defines is just its representation.
  if (!resource.host && resource.componentInstance == cx.instance)
    return value.rep();
  const std::uint32_t scope = cx.call != nullptr ? cx.call->scope : 0;
  auto index = cx.handles->add(Handle{type.resource, value.rep(), false, 0, scope});
  if (index && cx.call != nullptr)
    ++cx.call->borrows;
  return index;
}

}  // namespace wasmesh::wasm::component
