#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasmesh/wasm/ModuleInfo.h"
#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/ComponentAst.h"
#include "wasmesh/wasm/component/ComponentHost.h"
#include "wasmesh/wasm/component/TypeTable.h"
#include "wasmesh/wasm/component/WitPrinter.h"

namespace wasmesh::wasm::component {

// An export of a core instance: core instances are numbered in the order they are
// instantiated (CoreInstantiation's index).
struct CoreExportRef {
  std::uint32_t instance = 0;
  std::string name;
};

// A core function as linking resolved it.
struct CoreFuncRef {
  enum class Kind : std::uint8_t { exported, lowered, resourceNew, resourceDrop, resourceRep };
  Kind kind = Kind::exported;
  std::uint32_t index = 0;     // exported: core instance; lowered: LoweredFunction; resource.*:
                               // ResourceId
  std::string name;            // exported
  std::uint32_t instance = 0;  // resource.*: the component instance calling it
};

// What one import of a core module is bound to.
struct CoreImport {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::function;
  CoreFuncRef item;  // functions: any kind; tables, memories, globals: exported
};

// Instantiating one core module, in order: every import bound.
struct CoreInstantiation {
  std::uint32_t module = 0;
  std::vector<CoreImport> imports;
};

// The canon options of a lift or lower, resolved.
struct AbiOptions {
  StringEncoding encoding = StringEncoding::utf8;
  std::optional<CoreExportRef> memory;
  std::optional<CoreExportRef> realloc;
  std::optional<CoreExportRef> postReturn;
  std::uint32_t instance = 0;  // the component instance the canon definition belongs to
};

// A component-level function: the host's, lifted from a core function, or an import the host
// does not provide (a linked component with one cannot be instantiated).
struct ComponentFunc {
  enum class Kind : std::uint8_t { host, lifted, unbound };
  Kind kind = Kind::unbound;
  std::uint32_t index = 0;  // host: ComponentHost function id; lifted: LiftedFunction
  FuncTypeId type = 0;
};

struct LoweredFunction {
  std::string name;  // for messages: "wasi:cli/environment@0.2.12#get-arguments"
  ComponentFunc callee;
  FuncTypeId type = 0;
  AbiOptions options;
  FunctionType coreType;
};

struct LiftedFunction {
  std::string name;
  CoreExportRef core;
  FuncTypeId type = 0;
  AbiOptions options;
};

// A component's imports and exports in WIT terms, for `wasm inspect` and for callers that
// look an export up.
struct WorldItem {
  struct Member {
    std::string name;
    bool isFunction = true;
    FuncTypeId func = 0;
    TypeId type = 0;  // a value type member
    std::optional<ResourceId> resource;
  };
  std::string name;
  enum class Kind : std::uint8_t { instance, func, type, other } kind = Kind::instance;
  FuncTypeId func = 0;
  std::vector<Member> members;
  TypeNames names;
  bool bound = true;  // imports: whether the host provides it
};

// An export callable from the host: "greet", or "wasi:cli/run@0.2.12#run" for a function of
// an exported instance.
struct ExportedFunction {
  std::string name;
  ComponentFunc func;
};

// A component resolved against a host, independent of any engine: its core modules, the
// order to instantiate them with every import bound, its lowered and lifted functions and
// their types. Made once (ComponentLinker::link), shared by every engine and instance.
struct LinkedComponent {
  std::shared_ptr<const Component> component;  // owns the bytes the modules point into
  std::shared_ptr<const ComponentHost> host;
  std::vector<std::span<const std::uint8_t>> modules;
  std::vector<ModuleInfo> moduleInfos;
  std::vector<CoreInstantiation> instantiations;
  std::vector<LoweredFunction> lowered;
  std::vector<LiftedFunction> lifted;
  std::vector<CoreExportRef> destructors;  // guest resources' destructors
  std::uint32_t componentInstances = 1;
  TypeTable types;
  std::vector<WorldItem> imports;
  std::vector<WorldItem> exports;
  std::vector<ExportedFunction> exportedFunctions;
  // The first reason the component cannot run with this host; the description above is
  // complete all the same (inspect prints it).
  std::optional<WasmError> error;

  const ExportedFunction* findExport(std::string_view name) const;
};

}  // namespace wasmesh::wasm::component
