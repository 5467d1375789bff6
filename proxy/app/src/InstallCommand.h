#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

#include "wasmesh/deploy/InstallManifests.h"

namespace wasmesh::app {

// `wasmesh install`: the control plane's manifests for a trust domain, like `linkerd install`.
struct InstallCommandOptions {
  deploy::InstallOptions install;
  std::string output = "yaml";
};

void addInstallOptions(CLI::App& command, InstallCommandOptions& options);
// 0 with the manifests on `out`; 2 with one line naming the flag and the value.
int runInstall(const InstallCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wasmesh::app
