#pragma once

#include <optional>
#include <string>

#include "ComponentReader.h"
#include "DecodeContext.h"

namespace wasmesh::wasm::component {

// Decodes a `core:type` of a component (a function type or a module type), checking its
// indices against the core type index space of the current scope.
class CoreTypeDecoder {
 public:
  CoreTypeDecoder(ComponentReader& in, DecodeContext& ctx) : in_(in), ctx_(ctx) {}

  // Adds the type to the current scope's core type index space.
  std::optional<CoreTypeDef> coreType();

  static std::optional<ValueType> valueType(std::uint8_t code);

 private:
  bool moduleType(CoreTypeDef& type);
  bool importDesc(ImportDesc& desc);
  std::optional<std::uint32_t> count();
  std::optional<std::string> label();

  ComponentReader& in_;
  DecodeContext& ctx_;
};

}  // namespace wasmesh::wasm::component
