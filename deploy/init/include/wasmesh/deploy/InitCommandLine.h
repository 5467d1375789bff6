#pragma once

#include <CLI/App.hpp>

#include "wasmesh/deploy/InitOptions.h"

namespace wasmesh::deploy {

// Registers the `wasmesh init` flags on `subcommand`. Values are parsed with the project's
// parsers while CLI11 parses; a bad value throws CLI::ValidationError naming the flag and the
// value. `options`, `dryRun` and `uninstall` must outlive the parse.
void addInitOptions(CLI::App& subcommand, InitOptions& options, bool& dryRun, bool& uninstall);

}  // namespace wasmesh::deploy
