#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "wasmesh/wasm/component/AbiContext.h"
#include "wasmesh/wasm/component/Val.h"

namespace wasmesh::wasm::component {

// The canonical ABI's values in linear memory (CanonicalABI.md, "Loading" and "Storing"):
// load and store of every value type, strings in the three encodings, lists, and the handle
// rules own and borrow values follow wherever they travel. Every pointer, length and
// alignment the guest supplies is checked before anything is read or written.
class MemoryCodec {
 public:
  static WasmResult<Val> load(AbiContext& cx, std::uint32_t pointer, TypeId type);
  static WasmResult<void> store(AbiContext& cx, const Val& value, TypeId type,
                                std::uint32_t pointer);

  static WasmResult<Val> loadString(AbiContext& cx, std::uint32_t pointer,
                                    std::uint32_t taggedUnits);
  // Returns the pointer and the (tagged) code units the guest receives.
  static WasmResult<std::pair<std::uint32_t, std::uint32_t>> storeString(AbiContext& cx,
                                                                         std::string_view utf8);
  static WasmResult<Val> loadList(AbiContext& cx, std::uint32_t pointer, std::uint32_t length,
                                  TypeId element);
  static WasmResult<std::pair<std::uint32_t, std::uint32_t>> storeList(AbiContext& cx,
                                                                       const Val& value,
                                                                       TypeId element);

  // A value of a primitive, flags or enum-free type from its bits (an i32 or i64 flat value,
  // or the bytes loaded from memory): integers wrap to their width, bool is nonzero, a char
  // must be a scalar value, float NaNs become the canonical NaN.
  static WasmResult<Val> fromBits(const ValType& type, std::uint64_t bits);
  // The bits of such a value, to flatten or store.
  static WasmResult<std::uint64_t> toBits(const ValType& type, const Val& value);

  static WasmResult<Val> liftHandle(AbiContext& cx, std::uint32_t index, const ValType& type);
  static WasmResult<std::uint32_t> lowerHandle(AbiContext& cx, const Val& value,
                                               const ValType& type);

  static constexpr std::uint32_t kUtf16Tag = 1U << 31;
  static constexpr std::uint32_t kMaxStringBytes = (1U << 31) - 1;
};

// A trap for a host value that does not have the type the guest expects (a host bug, caught
// rather than lowered into the guest).
WasmError valueMismatch(const Val& value, const ValType& type);

}  // namespace wasmesh::wasm::component
