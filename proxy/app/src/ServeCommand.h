#pragma once

#include <iosfwd>

#include "WasmCommand.h"

namespace wasmesh::app {

// `wasmesh wasm serve COMPONENT --listen ADDR`: serves a wasi:http/incoming-handler component
// over HTTP/1.1 and HTTP/2 with prior knowledge as `wasmtime serve` does (docs/components.md):
// a fresh instance per request, taken from instances made ahead on guest threads, the response
// head sent when the component sets it and the body streamed. Runs until SIGINT or SIGTERM,
// then drains; 0 then, 1 when the component cannot be served (with one line on stderr).
int serveComponent(const WasmOptions& options, std::ostream& err);

}  // namespace wasmesh::app
