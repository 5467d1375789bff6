#pragma once

#include <optional>
#include <string>

#include "ComponentReader.h"
#include "DecodeContext.h"

namespace wasmesh::wasm::component {

// Decodes what names definitions (sorts, sort indices, aliases, import and export names),
// checking each index against the current scope.
class ItemDecoder {
 public:
  ItemDecoder(ComponentReader& in, DecodeContext& ctx) : in_(in), ctx_(ctx) {}

  std::optional<Sort> sort();
  // A `sortidx`, or with `core` a `core:sortidx`; the index is checked.
  std::optional<SortIndex> sortIndex(bool core = false);
  std::optional<std::string> importName();
  std::optional<std::string> exportName();
  std::optional<AliasDef> alias();
  // Adds an alias's definition to the current scope, after checking its target.
  bool checkAlias(const AliasDef& alias, std::size_t offset);

 private:
  std::optional<Sort> coreSort();
  std::optional<std::string> label();

  ComponentReader& in_;
  DecodeContext& ctx_;
};

}  // namespace wasmesh::wasm::component
