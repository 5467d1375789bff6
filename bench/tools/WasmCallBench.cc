// wasm_call_bench: what crossing the host/guest boundary costs on each Wasm backend: a call
// into the guest, a host function called from the guest, a 4 KiB copy out of and into linear
// memory, and an instantiation. bench/wasm/calls.mjs measures the same on Node's V8.
//
//   wasm_call_bench [--benchmark_format=json] [--benchmark_filter=wabt/]
//
// The module is bench/wasm/calls.wat, compiled by the build; WASMESH_BENCH_CALLS_WASM names
// another copy. Every benchmark reports `ns_per_call`: nanoseconds per single operation.

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/engines/EngineFactory.h"

namespace wasmesh::wasm {
namespace {

constexpr std::int32_t kHostCallsPerIteration = 10'000;
constexpr std::uint64_t kCopyBytes = 4096;

// A counter that Google Benchmark turns into nanoseconds per operation: it divides
// value * iterations by the elapsed seconds (a rate) and then inverts that, giving
// seconds / (value * iterations); with value = operations per iteration * 1e-9 that is
// nanoseconds per operation. Registering with UseRealTime() makes "elapsed" the wall clock,
// the same clock real_time reports.
benchmark::Counter nsPerCall(double operationsPerIteration) {
  return {operationsPerIteration * 1e-9,
          benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert};
}

// One engine with calls.wasm loaded into it, and the benchmarks that time it. Each benchmark
// instantiates its own instance before timing, so a failure in one (which latches the
// instance) does not fail the next.
class CallBench {
 public:
  static WasmResult<std::unique_ptr<CallBench>> create(EngineKind kind,
                                                       std::span<const std::uint8_t> wasm) {
    auto engine = makeEngine(kind);
    if (!engine)
      return engine.error();
    auto module = (*engine)->load(wasm, Limits{});
    if (!module)
      return module.error();
    // The same module under a CPU limit, as a proxy runs its filters: V8 arms its watchdog
    // for every call, wabt checks the clock as it goes.
    Limits limited;
    limited.cpuTimePerCall = std::chrono::seconds{1};
    auto limitedModule = (*engine)->load(wasm, limited);
    if (!limitedModule)
      return limitedModule.error();
    return std::unique_ptr<CallBench>(
        new CallBench(kind, std::move(*engine), *module, *limitedModule));
  }

  // The benchmarks and host_add capture `this`, so a CallBench stays where it was made.
  CallBench(const CallBench&) = delete;
  CallBench& operator=(const CallBench&) = delete;
  ~CallBench() = default;

  // main keeps every CallBench alive until the benchmarks have run.
  void registerAll() {
    add("host_to_guest", [this](benchmark::State& state) { hostToGuest(state, *module_); });
    add("host_to_guest_limited",
        [this](benchmark::State& state) { hostToGuest(state, *limitedModule_); });
    add("guest_to_host", [this](benchmark::State& state) { guestToHost(state); });
    add("read_memory_4k", [this](benchmark::State& state) { readMemory4k(state); });
    add("write_memory_4k", [this](benchmark::State& state) { writeMemory4k(state); });
    add("instantiate", [this](benchmark::State& state) { instantiate(state); });
  }

 private:
  CallBench(EngineKind kind, std::unique_ptr<Engine> engine, std::shared_ptr<Module> module,
            std::shared_ptr<Module> limitedModule)
      : kind_(kind),
        engine_(std::move(engine)),
        module_(std::move(module)),
        limitedModule_(std::move(limitedModule)) {
    // host_add(x) = x + 1, so call_host(n), which threads its value through n calls, is n.
    // The sum alone would not catch a guest that makes fewer calls and adds more itself, so
    // the host counts its calls too.
    imports_.add({"env",
                  "host_add",
                  {{ValueType::i32}, {ValueType::i32}},
                  [this](GuestMemory&, std::span<const Value> args, std::span<Value> results) {
                    ++hostCalls_;
                    results[0] = Value::i32(static_cast<std::int32_t>(args[0].asU32() + 1U));
                    return HostOutcome::ok();
                  }});
  }

  template <typename Function>
  void add(std::string_view what, Function function) {
    const std::string name = std::string(toString(kind_)) + "/" + std::string(what);
    benchmark::RegisterBenchmark(name.c_str(), std::move(function))->UseRealTime();
  }

  std::shared_ptr<Instance> freshInstance(benchmark::State& state) {
    return freshInstance(state, *module_);
  }

  std::shared_ptr<Instance> freshInstance(benchmark::State& state, Module& module) {
    auto instance = module.instantiate(imports_);
    if (!instance) {
      state.SkipWithError(("instantiate: " + instance.error().describe()).c_str());
      return nullptr;
    }
    return *instance;
  }

  static void fail(benchmark::State& state, std::string_view what, const WasmError& error) {
    state.SkipWithError((std::string(what) + ": " + error.describe()).c_str());
  }

  void hostToGuest(benchmark::State& state, Module& module) {
    auto instance = freshInstance(state, module);
    if (!instance)
      return;
    std::uint32_t value = 0;
    std::array args{Value::i32(0)};
    for ([[maybe_unused]] auto _ : state) {
      args[0] = Value::i32(static_cast<std::int32_t>(value));
      auto result = instance->call("nop", args);
      if (!result) {
        fail(state, "nop", result.error());
        break;
      }
      // Feeding each result into the next call keeps every call live and checks its answer.
      if (result->size() != 1 || (*result)[0].asU32() != value + 1U) {
        state.SkipWithError("nop returned a wrong value");
        break;
      }
      value = (*result)[0].asU32();
    }
    state.counters["ns_per_call"] = nsPerCall(1);
  }

  void guestToHost(benchmark::State& state) {
    auto instance = freshInstance(state);
    if (!instance)
      return;
    const std::array args{Value::i32(kHostCallsPerIteration)};
    hostCalls_ = 0;
    for ([[maybe_unused]] auto _ : state) {
      auto result = instance->call("call_host", args);
      if (!result) {
        fail(state, "call_host", result.error());
        break;
      }
      if (result->size() != 1 || (*result)[0].asI32() != kHostCallsPerIteration) {
        state.SkipWithError("call_host returned a wrong sum");
        break;
      }
      if (hostCalls_ != kHostCallsPerIteration) {
        state.SkipWithError("call_host did not call host_add n times");
        break;
      }
      hostCalls_ = 0;
    }
    state.counters["ns_per_call"] = nsPerCall(kHostCallsPerIteration);
  }

  void readMemory4k(benchmark::State& state) {
    auto instance = freshInstance(state);
    if (!instance)
      return;
    const auto pattern = makePattern();
    if (auto written = instance->writeMemory(0, pattern); !written) {
      fail(state, "writeMemory", written.error());
      return;
    }
    for ([[maybe_unused]] auto _ : state) {
      auto bytes = instance->readMemory(0, kCopyBytes);
      if (!bytes) {
        fail(state, "readMemory", bytes.error());
        break;
      }
      // The ends are enough to catch a short or misplaced copy without timing a full compare.
      if (bytes->size() != kCopyBytes || bytes->front() != pattern.front() ||
          bytes->back() != pattern.back()) {
        state.SkipWithError("readMemory returned wrong bytes");
        break;
      }
      benchmark::DoNotOptimize(bytes->data());
    }
    state.counters["ns_per_call"] = nsPerCall(1);
  }

  void writeMemory4k(benchmark::State& state) {
    auto instance = freshInstance(state);
    if (!instance)
      return;
    const auto pattern = makePattern();
    for ([[maybe_unused]] auto _ : state) {
      if (auto written = instance->writeMemory(0, pattern); !written) {
        fail(state, "writeMemory", written.error());
        break;
      }
      benchmark::ClobberMemory();
    }
    // Checked once afterwards: a write that silently went nowhere shows up here.
    auto back = instance->readMemory(0, kCopyBytes);
    if (!back || *back != pattern)
      state.SkipWithError("writeMemory did not land in guest memory");
    state.counters["ns_per_call"] = nsPerCall(1);
  }

  // Each instance is dropped at once; both backends give its memory back (EngineTest
  // DiscardedInstancesGiveTheirMemoryBack), V8 through a collection every 64 MiB discarded.
  void instantiate(benchmark::State& state) {
    for ([[maybe_unused]] auto _ : state) {
      auto instance = module_->instantiate(imports_);
      if (!instance || !*instance) {
        state.SkipWithError("instantiate failed");
        break;
      }
      benchmark::DoNotOptimize(instance->get());
    }
    state.counters["ns_per_call"] = nsPerCall(1);
  }

  static std::vector<std::uint8_t> makePattern() {
    std::vector<std::uint8_t> bytes(kCopyBytes);
    for (std::size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return bytes;
  }

  EngineKind kind_;
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<Module> module_;
  std::shared_ptr<Module> limitedModule_;
  Imports imports_;
  std::int64_t hostCalls_ = 0;  // host_add calls since guestToHost last looked
};

std::string envOr(const char* name, const char* fallback) {
  // Read in main before any benchmark or engine thread exists.
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): see above
  return value != nullptr && *value != '\0' ? value : fallback;
}

}  // namespace
}  // namespace wasmesh::wasm

int main(int argc, char** argv) {
  namespace wasm = wasmesh::wasm;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 2;

  // The V8 module lives next to `wasmesh`, not next to this program; point the loader at this
  // build's copy unless the caller named one. No thread exists yet.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): see above
  ::setenv("WASMESH_WASM_V8_MODULE", WASMESH_BENCH_V8_MODULE, 0);

  const std::string path = wasm::envOr("WASMESH_BENCH_CALLS_WASM", WASMESH_BENCH_CALLS_WASM);
  std::ifstream file(path, std::ios::binary);
  const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(file),
                                        std::istreambuf_iterator<char>()};
  if (!file || bytes.empty()) {
    std::cerr << "wasm_call_bench: cannot read " << path << "\n";
    return 1;
  }
  benchmark::AddCustomContext("calls_wasm", path);

  std::vector<std::unique_ptr<wasm::CallBench>> benches;
  for (auto kind : wasm::allEngineKinds()) {
    auto bench = wasm::CallBench::create(kind, bytes);
    if (!bench) {
      std::cerr << "wasm_call_bench: skipping " << wasm::toString(kind) << ": "
                << bench.error().describe() << "\n";
      continue;
    }
    (*bench)->registerAll();
    benches.push_back(std::move(*bench));
  }
  if (benches.empty())
    return 1;

  benchmark::RunSpecifiedBenchmarks();
  // The registered benchmarks point into `benches`; drop them before the engines go.
  benchmark::ClearRegisteredBenchmarks();
  benchmark::Shutdown();
  return 0;
}
