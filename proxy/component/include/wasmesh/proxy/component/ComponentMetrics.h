#pragma once

#include <array>
#include <cstddef>
#include <string>

#include "wasmesh/metrics/Counter.h"
#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/component/ComponentPool.h"
#include "wasmesh/proxy/component/GuestOutcome.h"

namespace wasmesh::proxy::component {

// The requests one component served and how each ended:
//   wasmesh_wasm_component_requests_total{component, result}
// and, read from its pool at scrape time,
//   wasmesh_wasm_component_instantiations_total{component, result="ok"|"failed"}
//   wasmesh_wasm_component_instances_ready{component}
class ComponentMetrics {
 public:
  // `pool` must outlive the registry's scrapes.
  ComponentMetrics(metrics::Registry& registry, const std::string& component,
                   const ComponentPool& pool);

  // `shard`: the calling worker's.
  void request(GuestResult result, std::size_t shard) const;
  std::uint64_t requests(GuestResult result) const;

 private:
  static constexpr std::size_t kResults = static_cast<std::size_t>(GuestResult::cancelled) + 1;
  std::array<metrics::Counter, kResults> requests_;
};

}  // namespace wasmesh::proxy::component
