#include "wasmesh/wasm/FunctionType.h"

namespace wasmesh::wasm {
namespace {

std::string list(const std::vector<ValueType>& types) {
  std::string text = "(";
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (i != 0)
      text += ", ";
    text += toString(types[i]);
  }
  return text + ")";
}

}  // namespace

std::string toString(const FunctionType& type) {
  return list(type.params) + " -> " + list(type.results);
}

}  // namespace wasmesh::wasm
