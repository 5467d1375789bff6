#include "wasmesh/wasm/component/wasi/WasiHost.h"

#include "WasiInterfaces.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {

void WasiHost::addTo(ComponentHost& host) {
  addIo(host);
  addCli(host);
  addClocksAndRandom(host);
  addFilesystem(host);
  addLoggingAndConfig(host);
  host.seal();
}

std::shared_ptr<const ComponentHost> WasiHost::host() {
  // Immutable once built; every thread may link against it.
  static const std::shared_ptr<const ComponentHost> kHost = [] {
    auto host = std::make_shared<ComponentHost>();
    addTo(*host);
    return host;
  }();
  return kHost;
}

WasmResult<std::unique_ptr<HostState>> WasiHost::state(WasiOptions options) {
  auto state = WasiState::create(std::move(options));
  if (!state)
    return state.error();
  return std::unique_ptr<HostState>(std::move(*state));
}

}  // namespace wasmesh::wasm::component::wasi
