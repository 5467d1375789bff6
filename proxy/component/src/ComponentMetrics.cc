#include "wasmesh/proxy/component/ComponentMetrics.h"

namespace wasmesh::proxy::component {
namespace {

class PoolCollector final : public metrics::Collector {
 public:
  PoolCollector(std::string component, const ComponentPool& pool)
      : component_(std::move(component)), pool_(pool) {}

  void collect(metrics::Sink& sink) override {
    sink.family("wasmesh_wasm_component_instantiations_total",
                "Component instances made, ahead of the requests that use them.",
                metrics::MetricType::Counter);
    sink.sample({{"component", component_}, {"result", "ok"}},
                static_cast<double>(pool_.instantiations()));
    sink.sample({{"component", component_}, {"result", "failed"}},
                static_cast<double>(pool_.failedInstantiations()));
    sink.family("wasmesh_wasm_component_instances_ready",
                "Component instances made and waiting for a request.", metrics::MetricType::Gauge);
    sink.sample({{"component", component_}}, static_cast<double>(pool_.readyInstances()));
  }

 private:
  std::string component_;
  const ComponentPool& pool_;
};

}  // namespace

ComponentMetrics::ComponentMetrics(metrics::Registry& registry, const std::string& component,
                                   const ComponentPool& pool) {
  auto& family = registry.counter(
      "wasmesh_wasm_component_requests_total",
      "Requests served by a WebAssembly component, by how the component's run ended.");
  for (std::size_t i = 0; i < kResults; ++i) {
    const auto result = static_cast<GuestResult>(i);
    requests_[i] = family.withLabels(
        {{"component", component}, {"result", std::string(guestResultName(result))}});
  }
  registry.addCollector(std::make_shared<PoolCollector>(component, pool));
}

void ComponentMetrics::request(GuestResult result, std::size_t shard) const {
  requests_[static_cast<std::size_t>(result)].add(shard);
}

std::uint64_t ComponentMetrics::requests(GuestResult result) const {
  return requests_[static_cast<std::size_t>(result)].value();
}

}  // namespace wasmesh::proxy::component
