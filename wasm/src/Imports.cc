#include "wasmesh/wasm/Imports.h"

namespace wasmesh::wasm {

void Imports::add(HostFunction function) {
  auto key = std::make_pair(function.module, function.name);
  functions_.insert_or_assign(std::move(key), std::move(function));
}

void Imports::add(InstanceExport item) {
  auto key = std::make_pair(item.module, item.name);
  instanceExports_.insert_or_assign(std::move(key), std::move(item));
}

void Imports::registerInstance(std::string name, std::shared_ptr<Instance> instance) {
  instances_.insert_or_assign(std::move(name), std::move(instance));
}

const HostFunction* Imports::findFunction(const std::string& module,
                                          const std::string& name) const {
  auto found = functions_.find({module, name});
  return found == functions_.end() ? nullptr : &found->second;
}

const InstanceExport* Imports::findInstanceExport(const std::string& module,
                                                  const std::string& name) const {
  auto found = instanceExports_.find({module, name});
  return found == instanceExports_.end() ? nullptr : &found->second;
}

const Instance* Imports::findInstance(const std::string& name) const {
  auto found = instances_.find(name);
  return found == instances_.end() ? nullptr : found->second.get();
}

WasmResult<void> Imports::check(const ModuleInfo& module) const {
  for (const auto& import : module.imports) {
    const std::string where = import.module + "." + import.name;
    if (findInstance(import.module) != nullptr)
      continue;
    if (const InstanceExport* item = findInstanceExport(import.module, import.name)) {
      if (item->kind != import.kind) {
        return WasmError::make(errc::wasm_link_error,
                               "import " + where + " is a " + toString(import.kind) +
                                   ", the instance export " + item->exportName + " is a " +
                                   toString(item->kind));
      }
      continue;
    }
    const HostFunction* function = findFunction(import.module, import.name);
    if (import.kind != ExternKind::function || function == nullptr) {
      return WasmError::make(errc::wasm_link_error,
                             "unknown import " + where + " (" + toString(import.kind) + ")");
    }
    if (!(function->type == import.functionType)) {
      return WasmError::make(errc::wasm_link_error,
                             "import " + where + " has signature " + toString(import.functionType) +
                                 ", the host provides " + toString(function->type));
    }
  }
  return {};
}

}  // namespace wasmesh::wasm
