#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/wasm/GuestMemory.h"
#include "wasmesh/wasm/Imports.h"
#include "wasmesh/wasm/Limits.h"
#include "wasmesh/wasm/ModuleInfo.h"
#include "wasmesh/wasm/Value.h"
#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm {

// One instantiated module. Single-threaded: use it on the thread of its engine. After a trap,
// a limit or proc_exit the instance is failed (latched): every later call fails at once with
// the first error, and the owner discards it (RecreatingInstance does that).
class Instance {
 public:
  virtual ~Instance() = default;

  virtual WasmResult<std::vector<Value>> call(std::string_view exportName,
                                              std::span<const Value> args) = 0;
  // An exported global's current value.
  virtual WasmResult<Value> global(std::string_view exportName) = 0;

  // Copies from and into the exported "memory", bounds-checked.
  virtual WasmResult<std::vector<std::uint8_t>> readMemory(std::uint64_t offset,
                                                           std::uint64_t length) = 0;
  virtual WasmResult<void> writeMemory(std::uint64_t offset,
                                       std::span<const std::uint8_t> data) = 0;
  virtual std::uint64_t memorySize() = 0;
  // A view of the memory exported as `exportName` (a component's canonical ABI names its
  // memory, which need not be "memory", nor be exported by the instance a host function was
  // imported into). Valid only until the next call into any guest of this engine, which may
  // grow, and so move, the memory. Fails when there is no such exported memory.
  virtual WasmResult<GuestMemory> exportedMemory(std::string_view exportName) = 0;

  // The first trap, limit or exit, once the instance has failed.
  virtual const std::optional<WasmError>& failure() const = 0;
  // Lifts the latch after a trap. Only for the spec testsuite, whose scripts go on calling an
  // instance after it trapped (the spec defines that state); a host keeps failed instances
  // failed. Has no effect after a CPU limit, which may leave the engine's state undefined.
  virtual void clearTrap() = 0;
};

// A compiled, validated module, with its limits applied.
class Module {
 public:
  virtual ~Module() = default;
  virtual const ModuleInfo& info() const = 0;
  // Links against `imports` (see Imports::check) and runs the start function.
  virtual WasmResult<std::shared_ptr<Instance>> instantiate(const Imports& imports) = 0;
};

// An engine: V8 or wabt. Single-threaded like its instances; one per worker thread.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  // Decodes (errc::wasm_malformed_module), caps memory (errc::wasm_memory_limit) and
  // validates (errc::wasm_invalid_module) a binary module.
  virtual WasmResult<std::shared_ptr<Module>> load(std::span<const std::uint8_t> bytes,
                                                   const Limits& limits) = 0;
  // Whether this engine can pass v128 values across the host boundary.
  virtual bool supportsV128Values() const = 0;
};

}  // namespace wasmesh::wasm
