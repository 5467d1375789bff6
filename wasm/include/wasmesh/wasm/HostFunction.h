#pragma once

#include <functional>
#include <span>
#include <string>

#include "wasmesh/wasm/FunctionType.h"
#include "wasmesh/wasm/GuestMemory.h"
#include "wasmesh/wasm/Value.h"

namespace wasmesh::wasm {

// What a host function tells the engine: go on, trap the guest, or end it (WASI proc_exit).
struct HostOutcome {
  enum class Kind : std::uint8_t { ok, trap, exit };
  Kind kind = Kind::ok;
  int exitCode = 0;
  std::string message;

  static HostOutcome ok() { return {}; }
  static HostOutcome trap(std::string why) { return {Kind::trap, 0, std::move(why)}; }
  static HostOutcome exit(int code) { return {Kind::exit, code, {}}; }
};

// The callback receives arguments already checked against `type` and writes exactly
// type.results.size() results. `memory` is the calling instance's exported "memory" (empty
// when it has none) and is valid only until the callback returns.
using HostCallback = std::function<HostOutcome(GuestMemory& memory, std::span<const Value> args,
                                               std::span<Value> results)>;

struct HostFunction {
  std::string module;
  std::string name;
  FunctionType type;
  HostCallback callback;
};

}  // namespace wasmesh::wasm
