#pragma once

#include <CLI/App.hpp>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace wasmesh::app {

// A directory granted to a component (`--dir HOST::GUEST`, `--dir-rw` for a writable one).
struct DirectoryOption {
  std::string host;
  std::string guest;
  bool writable = false;
};

// `wasmesh wasm run | inspect | serve`: the embedded Wasm host from the command line (docs/wasm.md,
// docs/components.md).
struct WasmOptions {
  std::string engine = "v8";
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::uint64_t> maxMemory;
  std::vector<std::string> environment;
  std::vector<DirectoryOption> directories;  // components only
  std::vector<std::string> config;           // components only: wasi:config/runtime KEY=VALUE
  std::optional<std::string> invoke;         // components only: `greet("world")`
  std::string module;

  // serve only.
  std::string listen;
  std::vector<std::string> allowOutgoing;  // HOST:PORT a component may send requests to
  std::size_t workers = 1;                 // event-loop threads
  std::optional<std::size_t> guestThreads;
  std::size_t instances = 2;  // made ahead, per guest thread
  std::optional<std::string> admin;

  // The subcommands, to tell which one was given; owned by the CLI::App.
  CLI::App* run = nullptr;
  CLI::App* inspect = nullptr;
  CLI::App* serve = nullptr;
};

// Adds `run`, `inspect` and `serve` under `wasm`. Bad flag values throw CLI::ValidationError naming
// the flag and the value (exit 2). `options` must outlive the parse.
void addWasmCommands(CLI::App& wasm, WasmOptions& options);

// Runs the one that was given. run: the guest's exit status, or 1 with one line on stderr
// after a trap, a limit, or a module that cannot load or link. inspect: 0, or 1 when the
// module cannot be decoded.
int runWasm(const WasmOptions& options, std::ostream& out, std::ostream& err);

}  // namespace wasmesh::app
