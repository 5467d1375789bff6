#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace wasmesh::wasm {

// Per-instance limits. A breach fails the call with a WasmError naming the limit; the
// instance is then discarded (see RecreatingInstance).
struct Limits {
  // Linear memory the guest may reach, in bytes (rounded down to 64 KiB pages). A module is
  // rewritten so memory.grow beyond this fails in the guest (malloc returns NULL); a module
  // whose initial memory is already larger does not load.
  std::optional<std::uint64_t> maxMemoryBytes;
  // Time per call into the guest, measured on the steady (wall) clock, since a call runs on
  // one thread without blocking. V8: a watchdog thread terminates the call. wabt: the
  // interpreter checks the clock every 10,000 instructions.
  std::optional<std::chrono::milliseconds> cpuTimePerCall;
  // A deterministic instruction budget per call (wabt only; V8 ignores it).
  std::optional<std::uint64_t> instructionBudget;
  // Native stack the guest may use, in bytes (V8: the isolate's stack limit). wabt's call
  // stack is a fixed frame count in 1.0.32 and ignores it.
  std::uint64_t maxStackBytes = std::uint64_t{512} * 1024;
};

}  // namespace wasmesh::wasm
