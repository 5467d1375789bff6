#pragma once

#include <memory>
#include <optional>

#include "WabtInstance.h"
#include "WabtValues.h"
#include "wasmesh/wasm/Engine.h"

namespace wasmesh::wasm::wabt {

class WabtModule final : public Module {
 public:
  WabtModule(std::shared_ptr<interp::Store> store, std::shared_ptr<WabtHostOutcome> outcome,
             interp::Module::Ptr module, ModuleInfo info, Limits limits,
             std::optional<interp::Index> start)
      : store_(std::move(store)),
        outcome_(std::move(outcome)),
        module_(std::move(module)),
        info_(std::move(info)),
        functionNames_(std::make_shared<const WabtInstance::FunctionNames>(info_.functionNames)),
        limits_(limits),
        start_(start) {}

  ~WabtModule() override {
    module_.reset();
    store_->Collect();  // see ~WabtInstance
  }
  WabtModule(const WabtModule&) = delete;
  WabtModule& operator=(const WabtModule&) = delete;

  const ModuleInfo& info() const override { return info_; }
  WasmResult<std::shared_ptr<Instance>> instantiate(const Imports& imports) override;

 private:
  std::shared_ptr<interp::Store> store_;  // first: outlives the reference below
  std::shared_ptr<WabtHostOutcome> outcome_;
  interp::Module::Ptr module_;
  ModuleInfo info_;
  std::shared_ptr<const WabtInstance::FunctionNames> functionNames_;  // shared by instances
  Limits limits_;
  std::optional<interp::Index> start_;  // the start function, taken out of wabt's hands
};

}  // namespace wasmesh::wasm::wabt
