#pragma once

#include <memory>

#include "wasmesh/wasm/component/ComponentHost.h"
#include "wasmesh/wasm/component/http/HttpOptions.h"
#include "wasmesh/wasm/component/wasi/WasiOptions.h"

namespace wasmesh::wasm::component::http {

// wasi:http 0.2 for components: wasi:http/types (fields with the forbidden-header rules,
// requests, responses, bodies as wasi:io streams, trailers, error codes, request options) and
// wasi:http/outgoing-handler, on top of the WASI 0.2 host. A component's
// wasi:http/incoming-handler export is called through IncomingHandler.
//
// Threading: an instance and its host calls run on one thread, the guest's, where a blocking
// call (poll, blocking-read, blocking-flush) may wait: bodies and responses reach it through
// BodyPipe and PendingResponse from the embedder's event loop, and the instance's GuestWaker
// ends a wait early (timeout, cancellation).
class HttpHost {
 public:
  // WASI 0.2 and wasi:http, in a host shared by all components (built once).
  static std::shared_ptr<const ComponentHost> host();
  // Adds wasi:http's interfaces (the WASI ones must be there too).
  static void addTo(ComponentHost& host);

  // The state of one instance: WASI's, and what it may do through wasi:http.
  static WasmResult<std::unique_ptr<HostState>> state(wasi::WasiOptions wasi, HttpOptions http);
};

}  // namespace wasmesh::wasm::component::http
