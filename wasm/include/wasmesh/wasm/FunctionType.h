#pragma once

#include <string>
#include <vector>

#include "wasmesh/wasm/Value.h"

namespace wasmesh::wasm {

// A function signature: what a host function provides and what an import asks for.
struct FunctionType {
  std::vector<ValueType> params;
  std::vector<ValueType> results;

  friend bool operator==(const FunctionType&, const FunctionType&) = default;
};

// "(i32, i64) -> (i32)", the form link errors print.
std::string toString(const FunctionType& type);

}  // namespace wasmesh::wasm
