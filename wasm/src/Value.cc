#include "wasmesh/wasm/Value.h"

#include <array>
#include <cstdio>

namespace wasmesh::wasm {

std::string toString(ValueType type) {
  switch (type) {
    case ValueType::i32:
      return "i32";
    case ValueType::i64:
      return "i64";
    case ValueType::f32:
      return "f32";
    case ValueType::f64:
      return "f64";
    case ValueType::v128:
      return "v128";
    case ValueType::funcref:
      return "funcref";
    case ValueType::externref:
      return "externref";
  }
  return "?";
}

std::string toString(const Value& value) {
  switch (value.type) {
    case ValueType::i32:
      return "i32:" + std::to_string(value.asI32());
    case ValueType::i64:
      return "i64:" + std::to_string(value.asI64());
    case ValueType::f32:
      return "f32:" + std::to_string(value.asF32());
    case ValueType::f64:
      return "f64:" + std::to_string(value.asF64());
    case ValueType::v128: {
      std::array<char, 40> text{};
      std::snprintf(text.data(), text.size(), "%016llx%016llx",
                    static_cast<unsigned long long>(value.high),
                    static_cast<unsigned long long>(value.low));
      return std::string("v128:") + text.data();
    }
    case ValueType::funcref:
    case ValueType::externref:
      return toString(value.type) + (value.isNullRef() ? ":null" : ":ref");
  }
  return "?";
}

}  // namespace wasmesh::wasm
