#include "SpecValues.h"

#include <boost/json/serialize.hpp>
#include <charconv>

namespace wasmesh::wasm::spec {
namespace {

std::uint64_t number(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::string_view text(const boost::json::object& json, std::string_view key) {
  const auto* found = json.if_contains(key);
  return found != nullptr && found->is_string() ? std::string_view(found->get_string())
                                                : std::string_view();
}

bool isCanonicalNan32(std::uint32_t bits) {
  return (bits & 0x7fffffffU) == 0x7fc00000U;
}
bool isArithmeticNan32(std::uint32_t bits) {
  return (bits & 0x7fc00000U) == 0x7fc00000U;
}
bool isCanonicalNan64(std::uint64_t bits) {
  return (bits & 0x7fffffffffffffffU) == 0x7ff8000000000000U;
}
bool isArithmeticNan64(std::uint64_t bits) {
  return (bits & 0x7ff8000000000000U) == 0x7ff8000000000000U;
}

bool floatMatches(std::string_view expected, std::uint64_t bits, bool is64) {
  if (expected == "nan:canonical")
    return is64 ? isCanonicalNan64(bits) : isCanonicalNan32(static_cast<std::uint32_t>(bits));
  if (expected == "nan:arithmetic")
    return is64 ? isArithmeticNan64(bits) : isArithmeticNan32(static_cast<std::uint32_t>(bits));
  return number(expected) == bits;
}

// The bits of lane `i` of `width` bits in a v128.
std::uint64_t lane(const Value& value, unsigned width, unsigned i) {
  const unsigned bit = width * i;
  const std::uint64_t half = bit < 64 ? value.low : value.high;
  const unsigned shift = bit % 64;
  return width == 64 ? half : (half >> shift) & ((std::uint64_t{1} << width) - 1);
}

unsigned laneWidth(std::string_view laneType) {
  if (laneType == "i8")
    return 8;
  if (laneType == "i16")
    return 16;
  if (laneType == "i32" || laneType == "f32")
    return 32;
  return 64;
}

}  // namespace

bool isV128(const boost::json::object& json) {
  return text(json, "type") == "v128";
}

std::optional<Value> parseArgument(const boost::json::object& json) {
  const auto type = text(json, "type");
  const auto value = text(json, "value");
  if (type == "i32")
    return Value{ValueType::i32, number(value) & 0xffffffffU, 0};
  if (type == "i64")
    return Value{ValueType::i64, number(value), 0};
  if (type == "f32")
    return Value::f32Bits(static_cast<std::uint32_t>(number(value)));
  if (type == "f64")
    return Value::f64Bits(number(value));
  if (type == "externref" || type == "funcref") {
    if (value == "null")
      return Value::nullRef(type == "funcref" ? ValueType::funcref : ValueType::externref);
    if (type == "funcref")
      return std::nullopt;
    // Token 0 means null in the interface, so `ref.extern N` travels as N + 1.
    return Value::externRef(number(value) + 1);
  }
  if (type == "v128") {
    const unsigned width = laneWidth(text(json, "lane_type"));
    Value v128 = Value::v128(0, 0);
    const auto& lanes = json.at("value").as_array();
    for (unsigned i = 0; i < lanes.size(); ++i) {
      const std::uint64_t bits =
          number(lanes[i].as_string()) &
          (width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1);
      const unsigned bit = width * i;
      (bit < 64 ? v128.low : v128.high) |= bits << (bit % 64);
    }
    return v128;
  }
  return std::nullopt;
}

bool matches(const boost::json::object& expected, const Value& actual) {
  const auto type = text(expected, "type");
  const auto value = text(expected, "value");
  if (type == "i32")
    return actual.type == ValueType::i32 && actual.low == (number(value) & 0xffffffffU);
  if (type == "i64")
    return actual.type == ValueType::i64 && actual.low == number(value);
  if (type == "f32")
    return actual.type == ValueType::f32 && floatMatches(value, actual.low, false);
  if (type == "f64")
    return actual.type == ValueType::f64 && floatMatches(value, actual.low, true);
  if (type == "externref" && value != "null")
    return actual.type == ValueType::externref && actual.low == number(value) + 1;
  if (type == "externref" || type == "funcref")
    return value == "null" ? actual.isNullRef() : !actual.isNullRef();
  if (type == "v128") {
    if (actual.type != ValueType::v128)
      return false;
    const auto laneType = text(expected, "lane_type");
    const unsigned width = laneWidth(laneType);
    const auto& lanes = expected.at("value").as_array();
    for (unsigned i = 0; i < lanes.size(); ++i) {
      const std::string_view want = lanes[i].as_string();
      const std::uint64_t got = lane(actual, width, i);
      if (laneType == "f32" || laneType == "f64") {
        if (!floatMatches(want, got, width == 64))
          return false;
      } else if (got != (number(want) &
                         (width == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << width) - 1))) {
        return false;
      }
    }
    return true;
  }
  return false;
}

std::string describe(const boost::json::object& json) {
  return boost::json::serialize(json);
}

}  // namespace wasmesh::wasm::spec
