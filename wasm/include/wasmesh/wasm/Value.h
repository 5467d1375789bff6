#pragma once

#include <bit>
#include <cstdint>
#include <string>

namespace wasmesh::wasm {

enum class ValueType : std::uint8_t { i32, i64, f32, f64, v128, funcref, externref };

std::string toString(ValueType type);

// One WebAssembly value. Floats travel as bit patterns so NaN payloads survive the interface
// (the spec testsuite compares them bit for bit). References are opaque and 0 is null; an
// externref the host passes in carries a nonzero token of its choosing, which comes back
// unchanged when the guest returns that reference.
struct Value {
  ValueType type = ValueType::i32;
  std::uint64_t low = 0;   // the value's bits; the low half of a v128
  std::uint64_t high = 0;  // the high half of a v128

  static Value i32(std::int32_t v) { return {ValueType::i32, static_cast<std::uint32_t>(v), 0}; }
  static Value i64(std::int64_t v) { return {ValueType::i64, static_cast<std::uint64_t>(v), 0}; }
  static Value f32Bits(std::uint32_t bits) { return {ValueType::f32, bits, 0}; }
  static Value f64Bits(std::uint64_t bits) { return {ValueType::f64, bits, 0}; }
  static Value f32(float v) { return f32Bits(std::bit_cast<std::uint32_t>(v)); }
  static Value f64(double v) { return f64Bits(std::bit_cast<std::uint64_t>(v)); }
  static Value v128(std::uint64_t lowBits, std::uint64_t highBits) {
    return {ValueType::v128, lowBits, highBits};
  }
  static Value nullRef(ValueType refType) { return {refType, 0, 0}; }
  static Value externRef(std::uint64_t token) { return {ValueType::externref, token, 0}; }

  std::int32_t asI32() const { return static_cast<std::int32_t>(static_cast<std::uint32_t>(low)); }
  std::uint32_t asU32() const { return static_cast<std::uint32_t>(low); }
  std::int64_t asI64() const { return static_cast<std::int64_t>(low); }
  float asF32() const { return std::bit_cast<float>(static_cast<std::uint32_t>(low)); }
  double asF64() const { return std::bit_cast<double>(low); }
  bool isNullRef() const { return low == 0; }

  friend bool operator==(const Value&, const Value&) = default;
};

std::string toString(const Value& value);

}  // namespace wasmesh::wasm
