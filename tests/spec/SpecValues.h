#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "wasmesh/wasm/Value.h"

namespace wasmesh::wasm::spec {

// An argument from wast2json ({"type": "i32", "value": "42"}); nullopt when the host cannot
// make it (a non-null funcref).
std::optional<Value> parseArgument(const boost::json::object& json);

// Whether `actual` is what `expected` describes, including nan:canonical / nan:arithmetic
// and v128 lanes of any shape.
bool matches(const boost::json::object& expected, const Value& actual);

// Whether a JSON value needs v128 support.
bool isV128(const boost::json::object& json);
std::string describe(const boost::json::object& json);

}  // namespace wasmesh::wasm::spec
