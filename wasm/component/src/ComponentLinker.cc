#include "wasmesh/wasm/component/ComponentLinker.h"

#include "Elaborator.h"

namespace wasmesh::wasm::component {

const ExportedFunction* LinkedComponent::findExport(std::string_view name) const {
  for (const auto& exported : exportedFunctions) {
    if (exported.name == name)
      return &exported;
  }
  return nullptr;
}

std::shared_ptr<const LinkedComponent> ComponentLinker::link(
    std::shared_ptr<const Component> component, std::shared_ptr<const ComponentHost> host) {
  auto linked = std::make_shared<LinkedComponent>();
  linked->component = std::move(component);
  linked->host = std::move(host);
  Elaborator elaborator(*linked, linked->host.get());
  elaborator.run(*linked->component);
  return linked;
}

}  // namespace wasmesh::wasm::component
