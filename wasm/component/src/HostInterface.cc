#include "wasmesh/wasm/component/HostInterface.h"

namespace wasmesh::wasm::component {

HostInterface::HostInterface(std::string package, std::string name, std::string version)
    : package_(std::move(package)), name_(std::move(name)), version_(std::move(version)) {}

HostInterface& HostInterface::resource(std::string name, HostDestructor destructor) {
  types_.push_back({name, "resource"});
  resources_.push_back({std::move(name), std::move(destructor)});
  return *this;
}

HostInterface& HostInterface::use(std::string name, const std::string& interface,
                                  const std::string& resource) {
  types_.push_back({std::move(name), "use " + interface + "." + resource});
  return *this;
}

HostInterface& HostInterface::type(std::string name, std::string definition) {
  types_.push_back({std::move(name), std::move(definition)});
  return *this;
}

HostInterface& HostInterface::function(std::string name, std::string signature,
                                       HostCallback callback) {
  functions_.push_back({std::move(name), std::move(signature), std::move(callback)});
  return *this;
}

std::string HostInterface::qualifiedName() const {
  return package_ + "/" + name_ + (version_.empty() ? "" : "@" + version_);
}

const HostInterface::Function* HostInterface::findFunction(std::string_view name) const {
  for (const auto& function : functions_) {
    if (function.name == name)
      return &function;
  }
  return nullptr;
}

const HostInterface::Type* HostInterface::findType(std::string_view name) const {
  for (const auto& type : types_) {
    if (type.name == name)
      return &type;
  }
  return nullptr;
}

}  // namespace wasmesh::wasm::component
