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

// What a module may import: host functions with typed signatures, and (for the spec
// testsuite's `register`) the exports of other instances of the same engine.
class Imports {
 public:
  void add(HostFunction function);
  void registerInstance(std::string name, std::shared_ptr<Instance> instance);

  const HostFunction* findFunction(const std::string& module, const std::string& name) const;
  const Instance* findInstance(const std::string& name) const;

  // Checks every import of `module` against what is here, before any engine sees it: an
  // unknown import or a signature other than the host's is a link error naming the import.
  // Imports from registered instances are left to the engine.
  WasmResult<void> check(const ModuleInfo& module) const;

 private:
  std::map<std::pair<std::string, std::string>, HostFunction> functions_;
  std::map<std::string, std::shared_ptr<Instance>> instances_;
};

}  // namespace wasmesh::wasm
