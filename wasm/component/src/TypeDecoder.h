#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ComponentReader.h"
#include "DecodeContext.h"

namespace wasmesh::wasm::component {

// Decodes the type grammar of Binary.md (types, core types, extern descriptions), checking each
// index against the current scope. Every function returns nothing after recording the failure in
// the context.
class TypeDecoder {
 public:
  TypeDecoder(ComponentReader& in, DecodeContext& ctx) : in_(in), ctx_(ctx) {}

  // A `type` definition; adds it to the current scope's type index space.
  std::shared_ptr<const TypeDef> type();
  // A `core:type`; adds it to the core type index space.
  std::optional<CoreTypeDef> coreType();
  std::optional<ExternDesc> externDesc();
  // Adds what an import or export of `desc` introduces to the current scope.
  void introduce(const ExternDesc& desc);

 private:
  std::optional<ValTypeRef> valType();
  std::optional<DefinedValType> definedValType(std::uint8_t code, std::size_t offset);
  std::optional<FuncTypeDef> funcType();
  bool declarations(std::vector<TypeDecl>& decls, bool component);
  std::optional<std::string> label();
  std::optional<std::uint32_t> count();

  ComponentReader& in_;
  DecodeContext& ctx_;
};

}  // namespace wasmesh::wasm::component
