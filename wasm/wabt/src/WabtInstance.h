#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "WabtValues.h"
#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/HostFunction.h"

namespace wasmesh::wasm::wabt {

// How the last failing host call ended (a trap or an exit), since wabt passes only a trap
// message back. One per engine: the instance whose call fails need not be the one that
// imported the host function (a component's core instances call each other's imports
// through shared tables), and the failing call, however nested, takes it.
using WabtHostOutcome = std::optional<HostOutcome>;

// What host functions of one instance share with it: its memory (known once instantiated)
// and the engine's host outcome.
struct WabtHostState {
  interp::Memory* memory = nullptr;  // rooted by the instance, cleared when it goes
  std::shared_ptr<WabtHostOutcome> outcome;
};

class WabtInstance final : public Instance {
 public:
  using FunctionNames = std::map<std::uint32_t, std::string>;

  WabtInstance(std::shared_ptr<interp::Store> store, interp::Module::Ptr module,
               interp::Instance::Ptr instance, std::shared_ptr<WabtHostState> hostState,
               std::vector<std::shared_ptr<Instance>> providers, Limits limits,
               std::shared_ptr<const FunctionNames> functionNames);
  ~WabtInstance() override;
  WabtInstance(const WabtInstance&) = delete;
  WabtInstance& operator=(const WabtInstance&) = delete;

  WasmResult<std::vector<Value>> call(std::string_view exportName,
                                      std::span<const Value> args) override;
  WasmResult<Value> global(std::string_view exportName) override;
  WasmResult<std::vector<std::uint8_t>> readMemory(std::uint64_t offset,
                                                   std::uint64_t length) override;
  WasmResult<void> writeMemory(std::uint64_t offset, std::span<const std::uint8_t> data) override;
  std::uint64_t memorySize() override;
  WasmResult<GuestMemory> exportedMemory(std::string_view exportName) override;
  const std::optional<WasmError>& failure() const override { return failure_; }
  void clearTrap() override {
    if (failure_ && failure_->code == errc::wasm_trap)
      failure_.reset();
  }

  // The export's object in the store, for another instance importing it.
  std::optional<interp::Ref> exportRef(std::string_view name) const;
  interp::Store& store() const { return *store_; }

 private:
  WasmError fail(WasmError error);
  // A result or global as the host sees it: externrefs it passed in carry their token again.
  Value hostValue(ValueType type, const interp::Value& value) const;

  std::shared_ptr<interp::Store> store_;  // first: outlives the references below
  interp::Module::Ptr module_;
  interp::Instance::Ptr instance_;
  std::shared_ptr<WabtHostState> hostState_;
  // The instances this one imports from: their exports must live as long as it does.
  std::vector<std::shared_ptr<Instance>> providers_;
  Limits limits_;
  std::shared_ptr<const FunctionNames> functionNames_;
  std::optional<WasmError> failure_;
};

}  // namespace wasmesh::wasm::wabt
