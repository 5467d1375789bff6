#include "WabtInstance.h"

#include "StepwiseCall.h"
#include "WabtTraps.h"
#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::wasm::wabt {

WabtInstance::WabtInstance(std::shared_ptr<interp::Store> store, interp::Module::Ptr module,
                           interp::Instance::Ptr instance, std::shared_ptr<WabtHostState> hostState,
                           std::vector<std::shared_ptr<Instance>> providers, Limits limits,
                           std::shared_ptr<const FunctionNames> functionNames)
    : store_(std::move(store)),
      module_(std::move(module)),
      instance_(std::move(instance)),
      hostState_(std::move(hostState)),
      providers_(std::move(providers)),
      limits_(limits),
      functionNames_(std::move(functionNames)) {
  interp::Memory* memory = nullptr;
  const auto& exports = module_->export_types();
  for (std::size_t i = 0; i < exports.size(); ++i) {
    if (exports[i].type->kind != ::wabt::ExternalKind::Memory)
      continue;
    // WASI's convention is the export "memory"; otherwise the first exported memory.
    if (memory == nullptr || exports[i].name == "memory")
      memory = store_->UnsafeGet<interp::Memory>(instance_->exports()[i]).get();
  }
  hostState_->memory = memory;
}

WabtInstance::~WabtInstance() {
  hostState_->memory = nullptr;
  // wabt's store frees objects only when collected: without this every discarded instance
  // (its memory, globals, host functions) stayed until the engine went away, 64 KiB and more
  // per instance (found by bench/wasm's instantiate benchmark).
  instance_.reset();
  store_->Collect();
}

std::optional<interp::Ref> WabtInstance::exportRef(std::string_view name) const {
  const auto& exports = module_->export_types();
  for (std::size_t i = 0; i < exports.size(); ++i) {
    if (exports[i].name == name)
      return instance_->exports()[i];
  }
  return std::nullopt;
}

WasmError WabtInstance::fail(WasmError error) {
  if (!failure_)
    failure_ = error;
  return error;
}

WasmResult<std::vector<Value>> WabtInstance::call(std::string_view exportName,
                                                  std::span<const Value> args) {
  if (failure_)
    return *failure_;
  auto ref = exportRef(exportName);
  if (!ref || !store_->Is<interp::Func>(*ref)) {
    return WasmError::make(errc::wasm_bad_call, "no exported function " + std::string(exportName));
  }
  auto func = store_->UnsafeGet<interp::Func>(*ref);
  const auto& type = func->type();
  if (type.params.size() != args.size()) {
    return WasmError::make(
        errc::wasm_bad_call,
        std::string(exportName) + " takes " + std::to_string(type.params.size()) + " arguments");
  }
  interp::Values params;
  // Host externrefs become wabt Foreign objects holding the token; these keep them rooted
  // for the call.
  std::vector<interp::Foreign::Ptr> foreign;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (fromWabt(type.params[i]) != args[i].type) {
      return WasmError::make(errc::wasm_bad_call, std::string(exportName) + ": argument " +
                                                      std::to_string(i) + " is not " +
                                                      toString(args[i].type));
    }
    if (args[i].type == ValueType::externref && !args[i].isNullRef()) {
      foreign.push_back(interp::Foreign::New(
          *store_, reinterpret_cast<void*>(static_cast<std::uintptr_t>(args[i].low))));
      params.push_back(interp::Value::Make(foreign.back().ref()));
      continue;
    }
    params.push_back(toWabt(args[i]));
  }

  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (limits_.cpuTimePerCall)
    deadline = std::chrono::steady_clock::now() + *limits_.cpuTimePerCall;
  interp::Values results;
  interp::Trap::Ptr trap;
  hostState_->outcome->reset();
  ::wabt::Result status = ::wabt::Result::Ok;
  interp::Thread thread(*store_);
  if (store_->Is<interp::DefinedFunc>(*ref)) {
    const auto defined = store_->UnsafeGet<interp::DefinedFunc>(*ref);
    const auto outcome =
        stepwiseCall(thread, *defined, params, results, &trap, limits_.instructionBudget, deadline);
    if (outcome == StepwiseOutcome::deadlinePassed) {
      return fail(WasmError::make(errc::wasm_cpu_limit,
                                  "timeout after " + formatDuration(*limits_.cpuTimePerCall)));
    }
    if (outcome == StepwiseOutcome::budgetUsedUp) {
      return fail(WasmError::make(
          errc::wasm_cpu_limit,
          "instruction budget of " + std::to_string(*limits_.instructionBudget) + " used up"));
    }
    if (outcome == StepwiseOutcome::trapped)
      status = ::wabt::Result::Error;
  } else {
    status = func->Call(thread, params, results, &trap);  // a host function re-exported
  }
  // wabt 1.0.32 swallows call stack exhaustion in call_indirect (Thread::DoCall returns Ok
  // after PushCall trapped) but still sets the trap: a set trap is a trap whatever the status.
  if (status != ::wabt::Result::Ok || trap) {
    if (*hostState_->outcome) {
      const HostOutcome outcome = **hostState_->outcome;
      hostState_->outcome->reset();
      if (outcome.kind == HostOutcome::Kind::exit)
        return fail(WasmError::exit(outcome.exitCode));
      return fail(
          WasmError::makeTrap(TrapKind::host_error, std::string(exportName), outcome.message));
    }
    const std::string message = trap ? trap->message() : "unknown trap";
    return fail(WasmError::makeTrap(
        trapKindFromMessage(message),
        trappedFunction(thread, *instance_, functionNames_.get(), exportName), message));
  }
  std::vector<Value> out;
  for (std::size_t i = 0; i < results.size() && i < type.results.size(); ++i) {
    auto resultType = fromWabt(type.results[i]);
    out.push_back(hostValue(resultType.value_or(ValueType::i32), results[i]));
  }
  return out;
}

WasmResult<Value> WabtInstance::global(std::string_view exportName) {
  auto ref = exportRef(exportName);
  if (!ref || !store_->Is<interp::Global>(*ref))
    return WasmError::make(errc::wasm_bad_call, "no exported global " + std::string(exportName));
  auto global = store_->UnsafeGet<interp::Global>(*ref);
  auto type = fromWabt(global->type().type);
  if (!type)
    return WasmError::make(errc::wasm_bad_call, "global of an unsupported type");
  return hostValue(*type, global->Get());
}

Value WabtInstance::hostValue(ValueType type, const interp::Value& value) const {
  Value converted = fromWabt(type, value);
  if (type == ValueType::externref && !converted.isNullRef()) {
    const interp::Ref ref = value.Get<interp::Ref>();
    if (store_->Is<interp::Foreign>(ref)) {
      converted.low =
          reinterpret_cast<std::uintptr_t>(store_->UnsafeGet<interp::Foreign>(ref)->ptr());
    }
  }
  return converted;
}

WasmResult<std::vector<std::uint8_t>> WabtInstance::readMemory(std::uint64_t offset,
                                                               std::uint64_t length) {
  interp::Memory* memory = hostState_->memory;
  GuestMemory view = memory == nullptr
                         ? GuestMemory{}
                         : GuestMemory{std::span(memory->UnsafeData(), memory->ByteSize())};
  if (!view.contains(offset, length))
    return WasmError::make(errc::wasm_bad_call, "memory read out of bounds");
  std::vector<std::uint8_t> out(length);
  view.read(offset, out);
  return out;
}

WasmResult<void> WabtInstance::writeMemory(std::uint64_t offset,
                                           std::span<const std::uint8_t> data) {
  interp::Memory* memory = hostState_->memory;
  GuestMemory view = memory == nullptr
                         ? GuestMemory{}
                         : GuestMemory{std::span(memory->UnsafeData(), memory->ByteSize())};
  if (!view.write(offset, data))
    return WasmError::make(errc::wasm_bad_call, "memory write out of bounds");
  return {};
}

WasmResult<GuestMemory> WabtInstance::exportedMemory(std::string_view exportName) {
  auto ref = exportRef(exportName);
  if (!ref || !store_->Is<interp::Memory>(*ref))
    return WasmError::make(errc::wasm_bad_call, "no exported memory " + std::string(exportName));
  auto memory = store_->UnsafeGet<interp::Memory>(*ref);
  return GuestMemory{std::span(memory->UnsafeData(), memory->ByteSize())};
}

std::uint64_t WabtInstance::memorySize() {
  return hostState_->memory == nullptr ? 0 : hostState_->memory->ByteSize();
}

}  // namespace wasmesh::wasm::wabt
