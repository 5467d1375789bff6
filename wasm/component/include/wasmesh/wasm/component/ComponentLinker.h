#pragma once

#include <memory>

#include "wasmesh/wasm/component/LinkedComponent.h"

namespace wasmesh::wasm::component {

// Resolves a decoded component against a host (Explainer.md's instantiation, done once and
// ahead of time, as wasmtime's component translation does): every nested component is
// inlined, every core instantiation gets its imports bound to core exports, lowered
// functions or resource built-ins, and every import of the component is matched by name with
// a host interface (semver-compatible within 0.x) whose signatures must equal the component's
// types. An import the host does not grant, a signature that differs, a core import left
// unbound or a feature not supported fails with an error naming it; the description of
// imports and exports is produced all the same.
class ComponentLinker {
 public:
  // `host` may be null: only the description is wanted (every import is then unbound).
  static std::shared_ptr<const LinkedComponent> link(std::shared_ptr<const Component> component,
                                                     std::shared_ptr<const ComponentHost> host);

  // Bounds on what one component may unfold into.
  static constexpr std::size_t kMaxComponentInstances = 1000;
  static constexpr std::size_t kMaxCoreInstances = 10'000;
};

}  // namespace wasmesh::wasm::component
