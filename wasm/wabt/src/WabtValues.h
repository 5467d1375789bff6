#pragma once

#include <wabt/interp/interp.h>

#include <optional>

#include "wasmesh/wasm/Value.h"

namespace wasmesh::wasm::wabt {

namespace interp = ::wabt::interp;

inline std::optional<ValueType> fromWabt(::wabt::Type type) {
  switch (type) {
    case ::wabt::Type::I32:
      return ValueType::i32;
    case ::wabt::Type::I64:
      return ValueType::i64;
    case ::wabt::Type::F32:
      return ValueType::f32;
    case ::wabt::Type::F64:
      return ValueType::f64;
    case ::wabt::Type::V128:
      return ValueType::v128;
    case ::wabt::Type::FuncRef:
      return ValueType::funcref;
    case ::wabt::Type::ExternRef:
      return ValueType::externref;
    default:
      return std::nullopt;
  }
}

inline ::wabt::Type toWabt(ValueType type) {
  // NOLINTNEXTLINE(bugprone-branch-clone): each branch names another enumerator
  switch (type) {
    case ValueType::i32:
      return ::wabt::Type::I32;
    case ValueType::i64:
      return ::wabt::Type::I64;
    case ValueType::f32:
      return ::wabt::Type::F32;
    case ValueType::f64:
      return ::wabt::Type::F64;
    case ValueType::v128:
      return ::wabt::Type::V128;
    case ValueType::funcref:
      return ::wabt::Type::FuncRef;
    case ValueType::externref:
      return ::wabt::Type::ExternRef;
  }
  return ::wabt::Type::I32;
}

inline interp::Value toWabt(const Value& value) {
  // NOLINTNEXTLINE(bugprone-branch-clone): each branch calls another Make overload
  switch (value.type) {
    case ValueType::i32:
      return interp::Value::Make(value.asU32());
    case ValueType::i64:
      return interp::Value::Make(static_cast<std::uint64_t>(value.low));
    case ValueType::f32:
      return interp::Value::Make(value.asF32());
    case ValueType::f64:
      return interp::Value::Make(value.asF64());
    case ValueType::v128: {
      ::v128 bits;
      bits.set_u64(0, value.low);
      bits.set_u64(1, value.high);
      return interp::Value::Make(bits);
    }
    case ValueType::funcref:
    case ValueType::externref:
      return interp::Value::Make(interp::Ref{static_cast<std::size_t>(value.low)});
  }
  return {};
}

inline Value fromWabt(ValueType type, const interp::Value& value) {
  // NOLINTNEXTLINE(bugprone-branch-clone): each branch reads another type
  switch (type) {
    case ValueType::i32:
      return Value::i32(static_cast<std::int32_t>(value.Get<std::uint32_t>()));
    case ValueType::i64:
      return {ValueType::i64, value.Get<std::uint64_t>(), 0};
    case ValueType::f32:
      return Value::f32(value.Get<float>());
    case ValueType::f64:
      return Value::f64(value.Get<double>());
    case ValueType::v128: {
      const auto bits = value.Get<::v128>();
      return Value::v128(bits.u64(0), bits.u64(1));
    }
    case ValueType::funcref:
    case ValueType::externref:
      return {type, value.Get<interp::Ref>().index, 0};
  }
  return {};
}

}  // namespace wasmesh::wasm::wabt
