#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/HostFunction.h"
#include "wasmesh/wasm/Imports.h"
#include "wasmesh/wasm/proxywasm/ProxyWasmVm.h"

namespace wasmesh::wasm::proxywasm {

// What the host functions of one VM share with the VM: configuration, the instance (to copy
// data in through the guest's allocator), the guard, tick, contexts and metrics. Host
// callbacks hold it by shared_ptr; it holds the instance only by a raw pointer the VM sets
// after instantiation (the instance owns the callbacks, so no cycle).
struct ProxyWasmVm::State {
  PluginConfig config;
  // The configuration buffer the guest may read now: the VM configuration during
  // proxy_on_vm_start, the plugin configuration during proxy_on_configure, none otherwise
  // (NOT_FOUND), as in Envoy's host.
  std::optional<BufferType> configurationInScope;
  Instance* instance = nullptr;
  std::string allocator;  // proxy_on_memory_allocate, or malloc; empty when neither
  // True while the guest's allocator runs for a host copy: the re-entrancy guard.
  bool inAllocation = false;
  std::uint32_t rootContextId = 1;
  std::uint32_t effectiveContextId = 1;
  std::uint32_t tickPeriodMs = 0;
  bool doneRequested = false;
  std::vector<PluginMetric> metrics;

  // The guest's stdout (info) and stderr (error), logged a line at a time: wasi-libc writes a
  // line in several fd_write iovecs and calls.
  std::string pendingStdout;
  std::string pendingStderr;

  // The bytes of a configuration buffer (vm_configuration or plugin_configuration).
  const std::string& configuration(BufferType type) const {
    return type == BufferType::vm_configuration ? config.vmConfiguration
                                                : config.pluginConfiguration;
  }

  void log(LogLevel level, std::string_view message) const;
  void logStream(std::string& pending, LogLevel level, std::string_view text) const;
  LogLevel logLevel() const;

  // Copies `data` into the guest through its allocator and writes (pointer, size) at
  // retPtr/retSize. Returns the status for the guest, or a trap outcome when the allocator
  // itself failed (the instance is then failed). `memory` is not touched after the
  // allocator ran: the guest may have grown (moved) it.
  struct CopyOut {
    std::int32_t status = 0;
    std::optional<HostOutcome> trap;
  };
  CopyOut copyOut(GuestMemory& memory, std::string_view data, std::uint32_t retPtr,
                  std::uint32_t retSize);
};

// The env module: every proxy-wasm 0.2.x host function with its exact signature.
void addEnvFunctions(Imports& imports, const std::shared_ptr<ProxyWasmVm::State>& state);
// WASI preview1 for plugins, stdout/stderr to the plugin's log, under the same guard.
void addWasiFunctions(Imports& imports, const std::shared_ptr<ProxyWasmVm::State>& state);

}  // namespace wasmesh::wasm::proxywasm
