#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/component/HostInterface.h"

namespace wasmesh::wasm::component {

// An interface name as imports spell it: "wasi:io/streams@0.2.12" is namespace "wasi",
// package "io", interface "streams", version 0.2.12. Plain names ("greet") have no package.
struct InterfaceName {
  std::string package;  // "wasi:io"
  std::string interface;
  std::string version;  // "0.2.12", or empty
  static std::optional<InterfaceName> parse(std::string_view name);
};

// Whether a host version satisfies an import's version, as wasmtime matches them: the same
// major version, and for 0.x the same minor one (0.2.3 serves 0.2.12 and the reverse; 0.3.0
// serves neither). Unversioned matches only unversioned.
bool semverCompatible(std::string_view imported, std::string_view provided);

// Every interface the host grants. Capability-based: an interface that is not here does not
// exist for the guest, and a component importing it fails to link with an error naming it.
// Immutable once built, so components linked on several threads may share it.
class ComponentHost {
 public:
  void add(HostInterface interface);

  const std::vector<HostInterface>& interfaces() const { return interfaces_; }
  // The interface serving an import name, semver-compatibly; the newest when several do.
  const HostInterface* find(std::string_view importName) const;

  // A host resource, numbered across the host: the interface that defines it (following a
  // `use` to the interface it comes from) and its name there.
  struct ResourceRef {
    std::uint32_t id = 0;
    const HostInterface* interface = nullptr;
    const HostInterface::Resource* resource = nullptr;
  };
  std::optional<ResourceRef> findResource(const HostInterface& interface,
                                          std::string_view name) const;
  const ResourceRef& resource(std::uint32_t id) const { return resources_[id]; }

  // A host function, numbered across the host.
  struct FunctionRef {
    const HostInterface* interface = nullptr;
    const HostInterface::Function* function = nullptr;
  };
  std::optional<std::uint32_t> functionId(const HostInterface& interface,
                                          std::string_view name) const;
  const FunctionRef& function(std::uint32_t id) const { return functions_[id]; }

  // Call when every interface has been added, before linking: numbers resources and
  // functions.
  void seal();

 private:
  std::vector<HostInterface> interfaces_;
  std::vector<ResourceRef> resources_;
  std::vector<FunctionRef> functions_;
  bool sealed_ = false;
};

}  // namespace wasmesh::wasm::component
