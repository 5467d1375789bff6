#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

#include "wasmesh/deploy/InjectorOptions.h"

namespace wasmesh::app {

// `wasmesh inject [FILE|-]` and `wasmesh uninject [FILE|-]` (docs/kubernetes.md).
struct InjectOptions {
  std::string input = "-";
  std::string output;  // yaml or json; empty: as the input
  std::string trustAnchorsFile;
  deploy::InjectorOptions injector;
};

void addInjectOptions(CLI::App& command, InjectOptions& options, bool uninject);
// Manifests from options.input (or `in` for "-") to `out`; one line per object and the
// warnings to `err`. 0 success, 1 the input cannot be read, 2 bad flags or a manifest or
// annotation refused (the message names it).
int runInject(InjectOptions options, bool uninject, std::istream& in, std::ostream& out,
              std::ostream& err);

}  // namespace wasmesh::app
