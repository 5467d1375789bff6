#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "wasmesh/wasm/HostFunction.h"
#include "wasmesh/wasm/ModuleInfo.h"
#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm {

class Instance;

// One export of another instance of the same engine, imported as (module, name): how the
// core instances of a component share memories, tables, globals and functions (the shape of
// wasmtime's Linker::define with an instance's export).
struct InstanceExport {
  std::string module;
  std::string name;
  std::shared_ptr<Instance> instance;  // the provider, kept alive by the importing instance
  std::string exportName;
  ExternKind kind = ExternKind::function;
};

// What a module may import: host functions with typed signatures, single exports of other
// instances, and (for the spec testsuite's `register`) whole instances of the same engine.
class Imports {
 public:
  void add(HostFunction function);
  void add(InstanceExport item);
  void registerInstance(std::string name, std::shared_ptr<Instance> instance);

  const HostFunction* findFunction(const std::string& module, const std::string& name) const;
  const InstanceExport* findInstanceExport(const std::string& module,
                                           const std::string& name) const;
  const Instance* findInstance(const std::string& name) const;

  // Checks every import of `module` against what is here, before any engine sees it: an
  // unknown import, a signature other than the host's, or an instance export of another kind
  // than the import's is a link error naming the import. The types of instance exports (a
  // memory's limits, a function's signature) and imports from registered instances are left
  // to the engine, which refuses a mismatch as a link error too.
  WasmResult<void> check(const ModuleInfo& module) const;

 private:
  std::map<std::pair<std::string, std::string>, HostFunction> functions_;
  std::map<std::pair<std::string, std::string>, InstanceExport> instanceExports_;
  std::map<std::string, std::shared_ptr<Instance>> instances_;
};

}  // namespace wasmesh::wasm
