#pragma once

#include <optional>
#include <string>

#include "Elaboration.h"

namespace wasmesh::wasm::component {

class Elaborator;

// Turns decoded type definitions into the linked component's TypeTable, resolving every index
// in the space the definition appears in.
class TypeResolver {
 public:
  explicit TypeResolver(Elaborator& elaborator) : elaborator_(elaborator) {}

  std::optional<TypeId> valType(Space& space, const ValTypeRef& ref);
  // A `type` definition; resources are defined by `scope`'s component instance.
  std::optional<TypeItem> typeDef(Space& space, const TypeDef& def, Scope* scope);
  // The item an outer alias names.
  std::optional<TypeItem> outerType(Space& space, std::uint32_t count, std::uint32_t index);

 private:
  std::optional<TypeId> defined(Space& space, const DefinedValType& def);
  std::optional<ResourceId> resourceAt(Space& space, std::uint32_t index);

  Elaborator& elaborator_;
};

}  // namespace wasmesh::wasm::component
