#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/proxywasm/Abi.h"
#include "wasmesh/wasm/proxywasm/SharedDataStore.h"

namespace wasmesh::wasm::proxywasm {

// What a plugin is started with.
struct PluginConfig {
  std::string name;                 // names the plugin in logs and metrics
  std::string vmConfiguration;      // buffer VM_CONFIGURATION (6)
  std::string pluginConfiguration;  // buffer PLUGIN_CONFIGURATION (7)
  // The VM group's store; null gives this VM a private one.
  std::shared_ptr<SharedDataStore> sharedData;
  // Where proxy_log and the guest's stdout/stderr go; null: spdlog, prefixed with the name.
  std::function<void(LogLevel, std::string_view)> logSink;
  // What proxy_get_log_level answers; unset: spdlog's current level.
  std::optional<LogLevel> logLevel;
  Limits limits;
};

// A metric a plugin defined, as the host keeps it (wiring into the proxy's Prometheus
// registry is a follow-up).
struct PluginMetric {
  std::string plugin;
  std::string name;
  MetricType type = MetricType::counter;
  std::int64_t value = 0;     // counter and gauge; a histogram's sum
  std::uint64_t samples = 0;  // histogram: number of recorded values
};

// One proxy-wasm plugin VM (ABI 0.2.0 / 0.2.1, no HTTP or network contexts yet): a module
// instance with every env host function and WASI linked, started and configured, with its
// root context. Single-threaded like its instance. A trap or limit in any callback fails the
// VM for good (latched): later calls return the first error without entering the guest.
class ProxyWasmVm {
 public:
  ~ProxyWasmVm();
  ProxyWasmVm(const ProxyWasmVm&) = delete;
  ProxyWasmVm& operator=(const ProxyWasmVm&) = delete;

  // Loads, links and starts a plugin: the start sequence (_initialize then main, or _start),
  // proxy_on_context_create(root, 0), proxy_on_vm_start and proxy_on_configure. A module
  // without an ABI marker is refused (errc::wasm_link_error); a start or configure that
  // fails or returns false is errc::wasm_instantiation_failed naming the callback.
  static WasmResult<std::unique_ptr<ProxyWasmVm>> start(Engine& engine,
                                                        std::span<const std::uint8_t> bytes,
                                                        PluginConfig config);

  // The ABI a module declares by its marker export, if any.
  static std::optional<AbiVersion> detectAbi(const ModuleInfo& info);
  // Every host function a plugin may import (env and WASI), with callbacks that refuse:
  // for link checks that do not run a plugin (`wasmesh wasm inspect`).
  static Imports linkCheckImports();

  AbiVersion abiVersion() const { return abi_; }
  std::uint32_t rootContextId() const;

  // Calls proxy_on_tick(root) if exported; the caller drives the period (tickPeriod()).
  WasmResult<void> tick();
  // The period from proxy_set_tick_period_milliseconds; nullopt when none or 0 (off).
  std::optional<std::chrono::milliseconds> tickPeriod() const;
  // Calls proxy_on_done(root) if exported: true when the plugin is done now; false means it
  // will call proxy_done later (see doneRequested()).
  WasmResult<bool> done();
  bool doneRequested() const;

  std::vector<PluginMetric> metrics() const;
  const std::optional<WasmError>& failure() const { return failure_; }

  // What the VM shares with its host functions; defined in src/VmState.h (internal).
  struct State;

 private:
  ProxyWasmVm(AbiVersion abi, std::shared_ptr<State> state, std::shared_ptr<Instance> instance,
              const ModuleInfo& info);

  // Calls an exported callback if it exists (nullopt results when it does not) and latches
  // the VM as failed on any error.
  WasmResult<std::optional<std::vector<Value>>> callback(std::string_view name,
                                                         std::span<const Value> args);
  WasmResult<void> runStartSequence(const ModuleInfo& info);

  AbiVersion abi_;
  std::shared_ptr<State> state_;
  std::shared_ptr<Instance> instance_;
  std::set<std::string, std::less<>> exports_;  // exported functions: callbacks are optional
  std::optional<WasmError> failure_;
};

}  // namespace wasmesh::wasm::proxywasm
