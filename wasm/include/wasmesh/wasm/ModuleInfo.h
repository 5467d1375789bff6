#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "wasmesh/wasm/FunctionType.h"
#include "wasmesh/wasm/Limits.h"
#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm {

enum class ExternKind : std::uint8_t { function, table, memory, global, tag };

std::string toString(ExternKind kind);

struct MemoryLimits {
  std::uint64_t minPages = 0;
  std::optional<std::uint64_t> maxPages;
  bool shared = false;
  bool memory64 = false;
};

struct ImportDesc {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::function;
  FunctionType functionType;  // for functions
  MemoryLimits memory;        // for memories
};

struct ExportDesc {
  std::string name;
  ExternKind kind = ExternKind::function;
  FunctionType functionType;            // for functions
  std::optional<ValueType> globalType;  // for globals, when decoded
};

// What a module imports, exports and declares, decoded from the binary by wasmesh itself
// (not by an engine) so linking, `wasm inspect` and the memory cap behave the same on every
// backend. Decoding checks the structure of the sections it reads, not code validity.
struct ModuleInfo {
  std::vector<ImportDesc> imports;
  std::vector<ExportDesc> exports;
  std::vector<MemoryLimits> memories;  // defined memories (imported ones are in imports)
  bool hasStart = false;
  // Function names from the "name" custom section, by index in the function index space
  // (imports first), for trap reports. Empty without the section; a malformed one is ignored,
  // as custom sections never make a module invalid.
  std::map<std::uint32_t, std::string> functionNames;

  static WasmResult<ModuleInfo> parse(std::span<const std::uint8_t> bytes);

  const ExportDesc* findExport(std::string_view name) const;
};

// A copy of `bytes` in which every defined memory's maximum is at most `maxPages`, so
// memory.grow beyond the cap fails inside the guest on any engine. Fails with
// errc::wasm_memory_limit when a memory's initial size is already larger.
WasmResult<std::vector<std::uint8_t>> capMemory(std::span<const std::uint8_t> bytes,
                                                std::uint64_t maxPages);

inline constexpr std::uint64_t kWasmPageBytes = 65536;

// What every engine does before compiling: decode the module's description and, under a
// memory limit, cap its memories (capMemory). `bytes` is what to compile: the caller's bytes,
// or `rewritten` when the cap changed them (so it must not outlive either).
struct PreparedModule {
  ModuleInfo info;
  std::vector<std::uint8_t> rewritten;
  std::span<const std::uint8_t> bytes;
};
WasmResult<PreparedModule> prepareModule(std::span<const std::uint8_t> bytes, const Limits& limits);

// Unsigned LEB128, as the binary format encodes sizes, counts and indices.
void appendLeb128(std::vector<std::uint8_t>& out, std::uint64_t value);

}  // namespace wasmesh::wasm
