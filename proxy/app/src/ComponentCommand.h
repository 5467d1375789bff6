#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "WasmCommand.h"

namespace wasmesh::app {

// `wasmesh wasm run` and `inspect` for WebAssembly components (WASI 0.2), which the wasm
// commands hand over when the file is a component rather than a core module
// (docs/components.md).

// Runs a command component's wasi:cli/run export with the WASI 0.2 host: stdin, stdout and
// stderr pass through, argv is COMPONENT ARGS..., the environment holds only --env, and only
// the --dir / --dir-rw directories exist. Returns the guest's exit status (run's error is 1),
// or 1 with one line on stderr. With --invoke, calls that export instead and prints its result
// in WAVE (`wasmtime run --invoke`); an expression that does not parse exits 2.
int runComponent(const WasmOptions& options, const std::vector<std::uint8_t>& bytes,
                 const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Prints the component's imports and exports in WIT, whether the engine validates its core
// modules and whether it links against the host. 0, or 1 when it cannot be decoded or
// validated.
int inspectComponent(const WasmOptions& options, const std::vector<std::uint8_t>& bytes,
                     std::ostream& out, std::ostream& err);

}  // namespace wasmesh::app
