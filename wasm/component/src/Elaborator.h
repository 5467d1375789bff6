#pragma once

#include <deque>
#include <memory>
#include <string>

#include "Elaboration.h"
#include "ImportBinder.h"
#include "TypeResolver.h"

namespace wasmesh::wasm::component {

// Walks a component's definitions in order and fills a LinkedComponent (ComponentLinker's
// work): core modules and their instantiations, canon definitions, aliases, nested component
// instances (inlined, each with its own scope and component instance number), imports (bound
// by ImportBinder) and exports.
class Elaborator {
 public:
  Elaborator(LinkedComponent& linked, const ComponentHost* granted)
      : out(linked), host(granted), types(*this), imports(*this) {}

  void run(const Component& root);

  // Records the first link error (errc::wasm_link_error) and returns false.
  bool fail(std::string what);
  bool unsupported(std::string what);

  LinkedComponent& out;
  const ComponentHost* host;
  TypeResolver types;
  ImportBinder imports;

 private:
  bool elaborate(Scope& scope, const Component& ast);
  bool definition(Scope& scope, const Component& ast, const Definition& def);
  bool coreModule(Scope& scope, const Component& ast, const CoreModuleDef& def);
  bool coreInstance(Scope& scope, const CoreInstanceDef& def);
  bool instance(Scope& scope, const InstanceDef& def);
  bool alias(Scope& scope, const AliasDef& alias);
  bool canon(Scope& scope, const CanonDef& def);
  bool importDef(Scope& scope, const ImportDef& def);
  bool exportDef(Scope& scope, const ExportDef& def);

  bool push(Scope& scope, const Item& item, const std::string& what);
  std::optional<Item> item(Scope& scope, const SortIndex& index);
  std::optional<AbiOptions> options(Scope& scope, const CanonOptions& options, bool lift);
  std::optional<CoreExportRef> exportedFunction(Scope& scope, std::uint32_t index,
                                                const char* what);
  // The core signature of a function a core instance exports, when known.
  std::optional<FunctionType> coreSignature(const CoreFuncRef& ref) const;
  void describeExport(const std::string& name, const Item& item, const TypeNames& names);

  // Nested instantiation recurses: bounded, as a component may instantiate its own ancestor.
  static constexpr int kMaxDepth = 32;

  std::deque<std::unique_ptr<Scope>> scopes_;
  int depth_ = 0;
  std::vector<std::uint32_t> coreInstanceModules_;  // module of each core instance
  bool stopped_ = false;
};

}  // namespace wasmesh::wasm::component
