#pragma once

#include <memory>

#include "wasmesh/wasm/component/ComponentHost.h"
#include "wasmesh/wasm/component/wasi/WasiOptions.h"

namespace wasmesh::wasm::component::wasi {

// The WASI 0.2 host for components: wasi:io (error, poll, streams), wasi:cli (environment,
// exit, stdin, stdout, stderr, terminal-*), wasi:clocks (monotonic-clock, wall-clock),
// wasi:random (random, insecure, insecure-seed), wasi:filesystem (types, preopens), and the
// wasi:logging/logging and wasi:config/runtime interfaces wasmCloud's components import.
// wasi:sockets is never granted: a component importing it fails to link, naming it.
// What each instance may reach (arguments, environment, directories) is its WasiOptions.
class WasiHost {
 public:
  // Every interface above, in a host shared by all components (built once).
  static std::shared_ptr<const ComponentHost> host();
  static void addTo(ComponentHost& host);

  // The state of one instance; fails naming a granted directory that cannot be opened.
  static WasmResult<std::unique_ptr<HostState>> state(WasiOptions options);
};

}  // namespace wasmesh::wasm::component::wasi
