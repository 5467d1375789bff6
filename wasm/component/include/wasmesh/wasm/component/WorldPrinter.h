#pragma once

#include <string>

#include "wasmesh/wasm/component/LinkedComponent.h"

namespace wasmesh::wasm::component {

// A component's imports and exports in WIT, as `wasmesh wasm inspect` prints them: the world
// (as `jco wit` and `wasm-tools component wit` write it), then each imported and exported
// interface with its resources, types and functions.
class WorldPrinter {
 public:
  static std::string world(const LinkedComponent& component);
  static std::string interfaces(const LinkedComponent& component);

 private:
  static std::string interface(const LinkedComponent& component, const WorldItem& item,
                               bool imported);
};

}  // namespace wasmesh::wasm::component
