#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/TypeTable.h"

namespace wasmesh::wasm::component {

// One handle a component instance holds: to a resource it owns, or borrows for one call.
struct Handle {
  ResourceId resource = 0;
  std::uint32_t rep = 0;
  bool own = true;
  std::uint32_t lends = 0;  // own: borrows of it lent out for calls in progress
  std::uint32_t scope = 0;  // borrow: the call (ComponentInstance's call depth) that lent it
};

// A component instance's handle table (CanonicalABI.md, "Table State"): index 0 is never a
// handle, freed slots are reused most recent first, and every index the guest passes is
// checked. The table is bounded, so a guest that never drops its handles traps rather than
// grow the host without limit.
class HandleTable {
 public:
  explicit HandleTable(std::size_t maxHandles = kDefaultMaxHandles) : maxHandles_(maxHandles) {}

  static constexpr std::size_t kDefaultMaxHandles = 100'000;

  WasmResult<std::uint32_t> add(const Handle& handle);
  WasmResult<Handle*> get(std::uint32_t index);
  WasmResult<Handle> remove(std::uint32_t index);

  // canon resource.rep: the representation behind a handle of `resource`.
  WasmResult<std::uint32_t> rep(ResourceId resource, std::uint32_t index);
  // canon resource.drop: removes a handle of `resource` that is not lent out. The caller runs
  // an owned handle's destructor, or ends a borrowed one's loan (its call's borrow count).
  WasmResult<Handle> drop(ResourceId resource, std::uint32_t index);
  // The end of a canon lower: the owned handles lent for it are no longer lent.
  void endLends(const std::vector<std::uint32_t>& lenders);

  std::size_t live() const { return live_; }
  // Slots in use or free, index 0 included (the reference implementation's len(array)).
  std::size_t slots() const { return entries_.size(); }
  std::size_t freeSlots() const { return free_.size(); }
  bool occupied(std::uint32_t index) const {
    return index < entries_.size() && entries_[index].has_value();
  }

 private:
  std::vector<std::optional<Handle>> entries_{std::nullopt};
  std::vector<std::uint32_t> free_;
  std::size_t live_ = 0;
  std::size_t maxHandles_;
};

// A trap for breaking the canonical ABI: "trap: canonical ABI violation (<why>)".
WasmError abiTrap(std::string why);

}  // namespace wasmesh::wasm::component
