#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wasmesh::wasm::component::wasi {

// A host directory a component may see, at a path of its choosing (`--dir HOST::GUEST`).
struct DirectoryGrant {
  std::string hostPath;
  std::string guestPath;
  bool writable = false;  // read-only unless asked
};

// What one component instance sees of the world through WASI 0.2. Everything not granted here
// does not exist for the guest: no directory without a grant, no environment variable that
// was not given, no network at all.
struct WasiOptions {
  std::vector<std::string> args;  // args[0] is the program name
  std::vector<std::pair<std::string, std::string>> environment;
  std::vector<DirectoryGrant> directories;
  // wasi:config/runtime values.
  std::vector<std::pair<std::string, std::string>> config;
  // The standard streams: fill as much of the span as there is (0 is end of input), write all.
  std::function<std::size_t(std::span<std::uint8_t>)> readStdin;
  std::function<void(std::string_view)> writeStdout;
  std::function<void(std::string_view)> writeStderr;
  // wasi:logging/logging: level (0 trace ... 5 critical), context, message.
  std::function<void(int, std::string_view, std::string_view)> log;
};

// The standard streams bound to this process's stdin, stdout and stderr, and logging to
// stderr.
WasiOptions withProcessStreams(WasiOptions options);

}  // namespace wasmesh::wasm::component::wasi
