#pragma once

#include <memory>
#include <string>

#include "Elaboration.h"

namespace wasmesh::wasm::component {

class Elaborator;

// Binds a component's imports to the host (capability-based linking): an imported instance
// type is elaborated against the host interface of that name, its resources become the
// host's, and each function must have the signature the host declares. What the host does
// not grant stays unbound and fails the link, naming the import.
class ImportBinder {
 public:
  explicit ImportBinder(Elaborator& elaborator) : elaborator_(elaborator) {}

  // An `(import name (instance (type ...)))` of the outermost component.
  std::shared_ptr<InstanceValue> instance(const std::string& name, const TypeItem& type,
                                          WorldItem& world);
  // An `(import name (func (type ...)))` of the outermost component.
  ComponentFunc function(const std::string& name, FuncTypeId type);

 private:
  bool checkTypes(const HostInterface& interface, const InstanceValue& value);
  ResourceId hostResource(std::uint32_t id, const std::string& name);

  Elaborator& elaborator_;
  std::map<std::uint32_t, ResourceId> hostResources_;  // ComponentHost resource id -> ours
};

}  // namespace wasmesh::wasm::component
