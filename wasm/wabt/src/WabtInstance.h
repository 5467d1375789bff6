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

// What host functions of one instance share with it: its memory (known once instantiated)
// and how the last host call ended, since wabt only passes a trap message back.
struct WabtHostState {
  interp::Memory* memory = nullptr;  // rooted by the instance, cleared when it goes
  std::optional<HostOutcome> outcome;
};

class WabtInstance final : public Instance {
 public:
  using FunctionNames = std::map<std::uint32_t, std::string>;

  WabtInstance(std::shared_ptr<interp::Store> store, interp::Module::Ptr module,
               interp::Instance::Ptr instance, std::shared_ptr<WabtHostState> hostState,
               Limits limits, std::shared_ptr<const FunctionNames> functionNames);
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
  Limits limits_;
  std::shared_ptr<const FunctionNames> functionNames_;
  std::optional<WasmError> failure_;
};

}  // namespace wasmesh::wasm::wabt
