// component_bench: what a WebAssembly component costs on each Wasm backend: instantiating a
// prepared component (a fresh instance per request, as `wasmtime serve` does): the C command
// of tests/fixtures/components, the C wasi:http handler (http_hello) and the JavaScript one
// (http_handler, componentize-js); and calling a lifted export that takes and returns a
// string (the C reactor's greet).
//
//   component_bench [--benchmark_format=json] [--benchmark_filter=wabt/]
//
// WASMESH_BENCH_COMPONENT_DIR names the built component fixtures. Every benchmark reports
// `us_per_op`: microseconds per instantiation or call.

#include <benchmark/benchmark.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/component/ComponentLinker.h"
#include "wasmesh/wasm/component/PreparedComponent.h"
#include "wasmesh/wasm/component/http/HttpHost.h"
#include "wasmesh/wasm/component/wasi/WasiHost.h"
#include "wasmesh/wasm/engines/EngineFactory.h"

namespace wasmesh::wasm::component {
namespace {

benchmark::Counter usPerOp() {
  return {1e-6, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert};
}

std::shared_ptr<PreparedComponent> prepare(Engine& engine, const std::string& name) {
  const std::string path = std::string(WASMESH_BENCH_COMPONENT_DIR) + "/" + name + ".wasm";
  std::ifstream file(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes(std::istreambuf_iterator<char>(file), {});
  auto decoded = ComponentDecoder::decode(bytes);
  if (!decoded) {
    std::cerr << path << ": " << decoded.error().describe() << "\n";
    return nullptr;
  }
  auto prepared = PreparedComponent::prepare(
      engine, ComponentLinker::link(*decoded, http::HttpHost::host()), {});
  if (!prepared) {
    std::cerr << path << ": " << prepared.error().describe() << "\n";
    return nullptr;
  }
  return *prepared;
}

// Instances of the component `name`, each with the host state `wasm serve` gives it.
void instantiate(benchmark::State& state, EngineKind kind, const std::string& name) {
  auto engine = makeEngine(kind);
  auto prepared = engine ? prepare(**engine, name) : nullptr;
  if (!prepared) {
    state.SkipWithError("cannot prepare the component");
    return;
  }
  for (auto _ : state) {
    auto instance = prepared->instantiate(std::move(*http::HttpHost::state({}, {})));
    if (!instance) {
      state.SkipWithError(instance.error().describe().c_str());
      return;
    }
    benchmark::DoNotOptimize(instance);
  }
  state.counters["us_per_op"] = usPerOp();
}

void callGreet(benchmark::State& state, EngineKind kind) {
  auto engine = makeEngine(kind);
  auto prepared = engine ? prepare(**engine, "reactor") : nullptr;
  auto instance = prepared ? prepared->instantiate(std::move(*wasi::WasiHost::state({})))
                           : WasmResult<std::shared_ptr<ComponentInstance>>(
                                 WasmError::make(errc::wasm_bad_call, "no component"));
  if (!instance) {
    state.SkipWithError(instance.error().describe().c_str());
    return;
  }
  const std::vector<Val> arguments{Val::string("world")};
  for (auto _ : state) {
    auto result = (*instance)->call("greet", arguments);
    if (!result) {
      state.SkipWithError(result.error().describe().c_str());
      return;
    }
    benchmark::DoNotOptimize(result);
  }
  state.counters["us_per_op"] = usPerOp();
}

}  // namespace
}  // namespace wasmesh::wasm::component

int main(int argc, char** argv) {
  using wasmesh::wasm::EngineKind;
  namespace component = wasmesh::wasm::component;
  // The V8 module is built next to `wasmesh`: tell the loader where, unless the caller did.
  setenv("WASMESH_WASM_V8_MODULE", WASMESH_BENCH_V8_MODULE, 0);
  for (const auto& [name, kind] : {std::pair{"v8", EngineKind::v8}, {"wabt", EngineKind::wabt}}) {
    for (const char* fixture : {"cli", "http_hello", "http_handler"}) {
      benchmark::RegisterBenchmark((std::string(name) + "/instantiate_" + fixture).c_str(),
                                   component::instantiate, kind, std::string(fixture))
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
    benchmark::RegisterBenchmark((std::string(name) + "/call_greet").c_str(), component::callGreet,
                                 kind)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
