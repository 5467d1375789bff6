#pragma once

#include <v8-context.h>
#include <v8-primitive.h>

#include <optional>

#include "wasmesh/wasm/Value.h"

namespace wasmesh::wasm::v8 {

// WebAssembly values as the JS API passes them: i64 as BigInt, floats as Number, references
// as null or an object. Non-null references cannot be made from the host side.
inline ::v8::Local<::v8::Value> toJs(::v8::Isolate* isolate, const Value& value) {
  switch (value.type) {
    case ValueType::i32:
      return ::v8::Integer::New(isolate, value.asI32());
    case ValueType::i64:
      return ::v8::BigInt::New(isolate, value.asI64());
    case ValueType::f32:
      return ::v8::Number::New(isolate, static_cast<double>(value.asF32()));
    case ValueType::f64:
      return ::v8::Number::New(isolate, value.asF64());
    case ValueType::externref:
      // Any JS value is an externref; a BigInt carries the host's token both ways.
      if (!value.isNullRef())
        return ::v8::BigInt::NewFromUnsigned(isolate, value.low);
      return ::v8::Null(isolate);
    default:
      return ::v8::Null(isolate);
  }
}

inline std::optional<Value> fromJs(::v8::Local<::v8::Context> context, ValueType type,
                                   ::v8::Local<::v8::Value> value) {
  switch (type) {
    case ValueType::i32: {
      auto number = value->Int32Value(context);
      return number.IsJust() ? std::optional(Value::i32(number.FromJust())) : std::nullopt;
    }
    case ValueType::i64: {
      ::v8::Local<::v8::BigInt> big;
      if (!value->ToBigInt(context).ToLocal(&big))
        return std::nullopt;
      return Value::i64(big->Int64Value());
    }
    case ValueType::f32: {
      auto number = value->NumberValue(context);
      return number.IsJust() ? std::optional(Value::f32(static_cast<float>(number.FromJust())))
                             : std::nullopt;
    }
    case ValueType::f64: {
      auto number = value->NumberValue(context);
      return number.IsJust() ? std::optional(Value::f64(number.FromJust())) : std::nullopt;
    }
    case ValueType::externref:
      if (value->IsBigInt())
        return Value::externRef(value.As<::v8::BigInt>()->Uint64Value());
      return Value{type, value->IsNull() ? 0U : 1U, 0};
    case ValueType::funcref:
      return Value{type, value->IsNull() ? 0U : 1U, 0};
    case ValueType::v128:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace wasmesh::wasm::v8
