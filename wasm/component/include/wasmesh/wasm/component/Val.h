#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/component/TypeTable.h"

namespace wasmesh::wasm::component {

// A component value as the host sees it: what the canonical ABI lifts out of a guest and
// lowers into one. Strings are UTF-8 whatever the guest's encoding; a list of u8 or s8 keeps
// its bytes together (bytes()) rather than one Val per byte; a handle carries the resource's
// representation (the host's own id for a host resource).
class Val {
 public:
  Val() = default;

  static Val boolean(bool value) { return {ValKind::boolean, value ? 1U : 0U}; }
  static Val s8(std::int8_t value) { return {ValKind::s8, std::uint64_t(std::int64_t{value})}; }
  static Val u8(std::uint8_t value) { return {ValKind::u8, value}; }
  static Val s16(std::int16_t value) { return {ValKind::s16, std::uint64_t(std::int64_t{value})}; }
  static Val u16(std::uint16_t value) { return {ValKind::u16, value}; }
  static Val s32(std::int32_t value) { return {ValKind::s32, std::uint64_t(std::int64_t{value})}; }
  static Val u32(std::uint32_t value) { return {ValKind::u32, value}; }
  static Val s64(std::int64_t value) { return {ValKind::s64, static_cast<std::uint64_t>(value)}; }
  static Val u64(std::uint64_t value) { return {ValKind::u64, value}; }
  static Val f32(float value) { return {ValKind::f32, std::bit_cast<std::uint32_t>(value)}; }
  static Val f64(double value) { return {ValKind::f64, std::bit_cast<std::uint64_t>(value)}; }
  static Val character(char32_t value) { return {ValKind::character, value}; }
  static Val string(std::string text);
  static Val list(std::vector<Val> items);
  static Val bytes(std::string bytes);
  static Val bytes(std::span<const std::uint8_t> bytes);
  static Val record(std::vector<Val> fields);
  static Val tuple(std::vector<Val> items);
  static Val variant(std::uint32_t caseIndex, std::optional<Val> payload = std::nullopt);
  static Val enumeration(std::uint32_t caseIndex) { return {ValKind::enumeration, caseIndex}; }
  static Val none() { return {ValKind::option, 0}; }
  static Val some(Val value);
  static Val ok(std::optional<Val> value = std::nullopt);
  static Val err(std::optional<Val> value = std::nullopt);
  static Val flags(std::uint32_t bits) { return {ValKind::flags, bits}; }
  static Val own(std::uint32_t rep) { return {ValKind::own, rep}; }
  static Val borrow(std::uint32_t rep) { return {ValKind::borrow, rep}; }

  ValKind kind() const { return kind_; }
  bool asBool() const { return bits_ != 0; }
  std::uint64_t asU64() const { return bits_; }
  std::int64_t asS64() const { return static_cast<std::int64_t>(bits_); }
  std::uint32_t asU32() const { return static_cast<std::uint32_t>(bits_); }
  float asF32() const { return std::bit_cast<float>(static_cast<std::uint32_t>(bits_)); }
  double asF64() const { return std::bit_cast<double>(bits_); }
  char32_t asChar() const { return static_cast<char32_t>(bits_); }
  // The bits as stored: floats as their bit patterns, signed integers sign-extended.
  std::uint64_t bits() const { return bits_; }
  const std::string& text() const { return text_; }  // string: UTF-8; byte list: the bytes
  bool isByteList() const { return kind_ == ValKind::list && byteList_; }
  std::span<const std::uint8_t> byteSpan() const {
    return {reinterpret_cast<const std::uint8_t*>(text_.data()), text_.size()};
  }
  const std::vector<Val>& items() const { return items_; }  // lists, records, tuples
  std::vector<Val>& items() { return items_; }
  // Variant, enum, option (0 none, 1 some), result (0 ok, 1 error).
  std::uint32_t caseIndex() const { return static_cast<std::uint32_t>(bits_); }
  const Val* payload() const { return items_.empty() ? nullptr : &items_.front(); }
  std::uint32_t rep() const { return static_cast<std::uint32_t>(bits_); }
  // Lists: elements, whichever form they are kept in.
  std::size_t listSize() const { return byteList_ ? text_.size() : items_.size(); }

  friend bool operator==(const Val&, const Val&) = default;

 private:
  Val(ValKind kind, std::uint64_t bits) : kind_(kind), bits_(bits) {}

  ValKind kind_ = ValKind::boolean;
  bool byteList_ = false;
  std::uint64_t bits_ = 0;
  std::string text_;
  std::vector<Val> items_;
};

// A readable rendering (WAVE-like: "ok(\"hi\")", "[1, 2]", "{x: 1}"), for tests and messages.
std::string toString(const Val& value);

}  // namespace wasmesh::wasm::component
