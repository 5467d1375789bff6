#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

#include "wasmesh/wasm/Value.h"

namespace wasmesh::wasm::spec {

// What the testsuite's JSON can say about a value that the runner cannot pass to an engine.
enum class ValueSupport { ok, unsupported };

// An argument from wast2json ({"type": "i32", "value": "42"}); nullopt when the host cannot
// make it (a non-null externref).
std::optional<Value> parseArgument(const boost::json::object& json);

// Whether `actual` is what `expected` describes, including nan:canonical / nan:arithmetic
// and v128 lanes of any shape.
bool matches(const boost::json::object& expected, const Value& actual);

// Whether a JSON value needs v128 support.
bool isV128(const boost::json::object& json);
// Whether a JSON value is a non-null reference the host cannot make or check.
bool isOpaqueReference(const boost::json::object& json);

std::string describe(const boost::json::object& json);

}  // namespace wasmesh::wasm::spec
