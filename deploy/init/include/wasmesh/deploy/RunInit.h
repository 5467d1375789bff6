#pragma once

#include <ostream>

#include "wasmesh/deploy/CommandRunner.h"
#include "wasmesh/deploy/InitOptions.h"

namespace wasmesh::deploy {

// `wasmesh init`: installs (or with `uninstall` removes) the interception rules for IPv4 and,
// when options.ipv6 and the host supports it, IPv6. With `dryRun` the commands are printed to
// `out` and nothing runs. Logs one line per chain to `out`, warnings and errors to `err`.
// Returns 0 on success, 1 when a command failed, 2 when the options are unusable.
int runInit(const InitOptions& options, bool dryRun, bool uninstall, std::ostream& out,
            std::ostream& err);

// The same with a given runner: tests use a fake, or a ProcessRunner inside a network namespace.
int runInit(const InitOptions& options, bool dryRun, bool uninstall, CommandRunner& runner,
            std::ostream& out, std::ostream& err);

}  // namespace wasmesh::deploy
