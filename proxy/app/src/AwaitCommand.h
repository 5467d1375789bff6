#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

namespace wasmesh::app {

// `wasmesh await`: waits until the proxy's /ready answers 200, for the postStart hook of a
// proxy that runs as a regular container (Linkerd's linkerd-await).
struct AwaitOptions {
  std::string admin = "127.0.0.1:4191";
  std::string timeout = "2m";
};

void addAwaitOptions(CLI::App& command, AwaitOptions& options);
// 0 once ready; 1 when the timeout passes first (saying what the last try got); 2 bad flags.
int runAwait(const AwaitOptions& options, std::ostream& err);

}  // namespace wasmesh::app
