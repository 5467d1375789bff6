#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/Imports.h"

namespace wasmesh::wasm::wasi {

// What a WASI guest sees of the world. Standard streams are callbacks so they can be bound
// to the process's streams (the CLI) or to buffers (tests, components).
struct WasiOptions {
  std::vector<std::string> args;         // argv, args[0] being the program name
  std::vector<std::string> environment;  // "NAME=value"
  // Fills as much of the span as it can; 0 is end of input.
  std::function<std::size_t(std::span<std::uint8_t>)> readStdin;
  std::function<void(std::string_view)> writeStdout;
  std::function<void(std::string_view)> writeStderr;
};

// Streams bound to this process's stdin, stdout and stderr.
WasiOptions withProcessStreams(WasiOptions options);

// WASI preview1 (module wasi_snapshot_preview1): args, environment, the standard streams,
// clocks, random, proc_exit and sched_yield; no file system and no sockets (their functions
// exist so modules link, and answer NOSYS or BADF). Every guest pointer is checked; a bad
// one is errno FAULT, never a host crash.
class WasiHost {
 public:
  explicit WasiHost(WasiOptions options);

  // Adds every function; call before instantiating a module that imports WASI.
  void addTo(Imports& imports) const;

  static constexpr std::string_view kModule = "wasi_snapshot_preview1";

 private:
  std::shared_ptr<const WasiOptions> options_;
};

}  // namespace wasmesh::wasm::wasi
