#pragma once

#include <CLI/App.hpp>
#include <chrono>
#include <iosfwd>
#include <string>

namespace wasmesh::app {

// `wasmesh identity ca init | issue | inspect`: the mesh PKI on files (docs/identity.md).
struct IdentityOptions {
  std::string trustDomain;
  std::string caInitDirectory;
  std::chrono::seconds caLifetime{std::chrono::hours(8760)};
  // --not-before: validity starts this far from now (negative: in the past). For tests and
  // for clocks known to be behind.
  std::chrono::seconds caNotBeforeOffset{0};
  bool caInitForce = false;

  std::string caDirectory;
  std::string id;
  std::string issueDirectory;
  std::chrono::seconds issueLifetime{std::chrono::hours(24)};
  std::chrono::seconds issueNotBeforeOffset{0};
  bool issueForce = false;

  std::string inspectFile;

  // The subcommands, to tell which one was given; owned by the CLI::App.
  CLI::App* caInit = nullptr;
  CLI::App* issue = nullptr;
  CLI::App* inspect = nullptr;
};

// Adds `ca init`, `issue` and `inspect` under `identity`. Values are checked while CLI11
// parses: a bad one throws CLI::ValidationError naming the flag and the value (exit 2).
// `options` must outlive the parse.
void addIdentityCommands(CLI::App& identity, IdentityOptions& options);

// Runs the one that was given: 0 done, 1 a file cannot be read or written or is not what it
// should be, 2 a flag value that only the CA's files show to be wrong.
int runIdentity(const IdentityOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wasmesh::app
