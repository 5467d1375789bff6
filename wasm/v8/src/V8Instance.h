#pragma once

#include <v8-object.h>
#include <v8-wasm.h>

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "V8Runtime.h"
#include "wasmesh/wasm/Engine.h"
#include "wasmesh/wasm/HostFunction.h"

namespace wasmesh::wasm::v8 {

// What the host functions of one instance share with it.
struct V8HostState {
  ::v8::Global<::v8::WasmMemoryObject> memory;  // set once instantiated
};

// A host function as V8 calls it; a JS function's data points here.
struct V8HostBinding {
  HostFunction function;
  std::shared_ptr<V8HostState> state;
  V8Runtime* runtime = nullptr;  // outlives the binding (instances hold the runtime)
};

// A view of the memory for one host call or one copy; the buffer is re-fetched every time
// because memory.grow detaches the old one.
GuestMemory currentMemory(::v8::Isolate* isolate,
                          const ::v8::Global<::v8::WasmMemoryObject>& memory);

class V8Instance final : public Instance {
 public:
  V8Instance(std::shared_ptr<V8Runtime> runtime, ::v8::Local<::v8::Object> exports,
             std::shared_ptr<V8HostState> state,
             std::vector<std::unique_ptr<V8HostBinding>> bindings,
             std::vector<std::shared_ptr<Instance>> providers,
             std::shared_ptr<const ModuleInfo> info, Limits limits);
  ~V8Instance() override;
  V8Instance(const V8Instance&) = delete;
  V8Instance& operator=(const V8Instance&) = delete;

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

  // The exports object, for another instance importing from this one (needs a HandleScope).
  ::v8::Local<::v8::Object> exports() const { return exports_.Get(runtime_->isolate()); }

 private:
  // An exported function as call() needs it, looked up once: building the name string and
  // the property lookup were a third of a call's cost (bench/wasm).
  struct Callable {
    const FunctionType* type = nullptr;
    bool lowered = false;  // called through its trampoline (V8Trampoline.h)
    std::vector<ValueType> wireResults;
    ::v8::Global<::v8::Function> function;
  };

  WasmError fail(WasmError error);
  WasmResult<const Callable*> callable(::v8::Local<::v8::Context> context,
                                       std::string_view exportName);
  // The export itself, or its trampoline when its values need one.
  WasmResult<::v8::Local<::v8::Function>> makeFunction(::v8::Local<::v8::Context> context,
                                                       std::string_view exportName,
                                                       const FunctionType& type);

  std::shared_ptr<V8Runtime> runtime_;  // first: outlives the handles below
  std::shared_ptr<const ModuleInfo> info_;
  ::v8::Global<::v8::Object> exports_;
  std::shared_ptr<V8HostState> state_;
  std::vector<std::unique_ptr<V8HostBinding>> bindings_;
  // The instances this one imports from: their exports must live as long as it does.
  std::vector<std::shared_ptr<Instance>> providers_;
  Limits limits_;
  std::optional<WasmError> failure_;
  std::map<std::string, Callable, std::less<>> callables_;
  std::map<std::string, ::v8::Global<::v8::WasmMemoryObject>, std::less<>> memories_;
};

// Turns the exception caught while running the guest into a WasmError (trap, host outcome,
// termination by the watchdog). `terminated` says whether the watchdog fired.
WasmError guestError(V8Runtime& runtime, ::v8::Local<::v8::Context> context,
                     ::v8::Local<::v8::Value> exception, bool terminated, const Limits& limits,
                     std::string_view exportName);

}  // namespace wasmesh::wasm::v8
