#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "wasmesh/wasm/GuestMemory.h"
#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/ComponentAst.h"
#include "wasmesh/wasm/component/HandleTable.h"
#include "wasmesh/wasm/component/TypeTable.h"

namespace wasmesh::wasm::component {

// The guest side of a lift or lower: its linear memory (the `memory` canon option) and its
// allocator (`realloc`). The view is fetched again after every realloc, which may grow the
// memory; no pointer into it survives a call into the guest.
class AbiMemory {
 public:
  virtual ~AbiMemory() = default;
  virtual WasmResult<GuestMemory> view() = 0;
  virtual WasmResult<std::uint32_t> realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                            std::uint32_t alignment, std::uint32_t newSize) = 0;
};

// What one call between the host and a component instance tracks for resource handles: the
// owned handles lent for its length (canon lower) and the borrowed handles handed to the
// callee, which it must drop before returning (canon lift).
struct CallState {
  std::vector<std::uint32_t> lenders;
  std::uint32_t borrows = 0;
  std::uint32_t scope = 0;  // this call's index in the instance's call stack
};

// Bounds on what one lift may make the host allocate, whatever the guest claims: a list of a
// million strings pointing at the same megabyte would otherwise cost the host a terabyte.
struct AbiLimits {
  std::uint64_t maxBytes = std::uint64_t{64} * 1024 * 1024;  // string and list bytes
  std::uint64_t maxValues = std::uint64_t{1} << 20;          // values of lists, records...
};

// Everything a lift or a lower (CanonicalAbi) needs: the types, the options of the canon
// definition, the component instance's handle table and the call in progress.
struct AbiContext {
  explicit AbiContext(const TypeTable& table) : types(table) {}

  const TypeTable& types;
  StringEncoding encoding = StringEncoding::utf8;
  AbiMemory* memory = nullptr;     // null when the canon definition names no memory
  HandleTable* handles = nullptr;  // null when the instance has no handle table (tests)
  std::uint32_t instance = 0;      // the component instance lifting or lowering
  CallState* call = nullptr;
  AbiLimits limits;
  std::uint64_t usedBytes = 0;
  std::uint64_t usedValues = 0;

  // Counts what a lift allocates; a trap when over the limits.
  WasmResult<void> spend(std::uint64_t bytes, std::uint64_t values);
  // The guest memory, fetched once and again only after a realloc (which may move it).
  WasmResult<GuestMemory*> view();
  // Calls the guest's realloc and checks what it returns: aligned, and `newSize` bytes inside
  // the memory.
  WasmResult<std::uint32_t> realloc(std::uint32_t oldPointer, std::uint32_t oldSize,
                                    std::uint32_t alignment, std::uint32_t newSize);

 private:
  std::optional<GuestMemory> view_;
};

}  // namespace wasmesh::wasm::component
