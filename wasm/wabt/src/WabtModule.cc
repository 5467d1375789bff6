#include "WabtModule.h"

#include "StepwiseCall.h"
#include "WabtInstance.h"
#include "WabtTraps.h"
#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::wasm::wabt {
namespace {

// A host function as wabt calls it: arguments converted, the guest memory bounds-checked,
// and a trap or exit recorded for WabtInstance to report.
interp::HostFunc::Ptr makeHostFunc(interp::Store& store, const HostFunction& function,
                                   const std::shared_ptr<WabtHostState>& state) {
  interp::FuncType type({}, {});
  for (ValueType param : function.type.params)
    type.params.push_back(toWabt(param));
  for (ValueType result : function.type.results)
    type.results.push_back(toWabt(result));
  return interp::HostFunc::New(
      store, type,
      [state, callback = function.callback, signature = function.type](
          interp::Thread& thread, const interp::Values& params, interp::Values& results,
          interp::Trap::Ptr* trap) -> ::wabt::Result {
        std::vector<Value> args;
        args.reserve(params.size());
        for (std::size_t i = 0; i < params.size(); ++i)
          args.push_back(fromWabt(signature.params[i], params[i]));
        std::vector<Value> out(signature.results.size());
        for (std::size_t i = 0; i < out.size(); ++i)
          out[i].type = signature.results[i];
        GuestMemory memory =
            state->memory == nullptr
                ? GuestMemory{}
                : GuestMemory{std::span(state->memory->UnsafeData(), state->memory->ByteSize())};
        HostOutcome outcome = callback(memory, args, out);
        if (outcome.kind != HostOutcome::Kind::ok) {
          *state->outcome = outcome;
          *trap = interp::Trap::New(thread.store(), outcome.kind == HostOutcome::Kind::exit
                                                        ? "wasi exit"
                                                        : outcome.message);
          return ::wabt::Result::Error;
        }
        for (std::size_t i = 0; i < out.size(); ++i)
          results[i] = toWabt(out[i]);
        return ::wabt::Result::Ok;
      });
}

// Runs the start function under the same limits as any call; a failure fails instantiation.
WasmResult<void> runStart(interp::Store& store, const interp::Instance& instance,
                          interp::Ref function, const Limits& limits, WabtHostState& state,
                          const std::map<std::uint32_t, std::string>& names) {
  interp::Thread thread(store);
  interp::Values results;
  interp::Trap::Ptr trap;
  StepwiseOutcome outcome = StepwiseOutcome::returned;
  if (store.Is<interp::DefinedFunc>(function)) {
    std::optional<std::chrono::steady_clock::time_point> deadline;
    if (limits.cpuTimePerCall)
      deadline = std::chrono::steady_clock::now() + *limits.cpuTimePerCall;
    outcome = stepwiseCall(thread, *store.UnsafeGet<interp::DefinedFunc>(function), {}, results,
                           &trap, limits.instructionBudget, deadline);
  } else if (::wabt::Failed(
                 store.UnsafeGet<interp::Func>(function)->Call(thread, {}, results, &trap))) {
    outcome = StepwiseOutcome::trapped;
  }
  if (outcome == StepwiseOutcome::deadlinePassed || outcome == StepwiseOutcome::budgetUsedUp) {
    return WasmError::make(errc::wasm_cpu_limit,
                           limits.cpuTimePerCall && outcome == StepwiseOutcome::deadlinePassed
                               ? "timeout after " + formatDuration(*limits.cpuTimePerCall)
                               : "instruction budget used up in the start function");
  }
  if (outcome == StepwiseOutcome::returned && !trap)
    return {};
  if (*state.outcome && (*state.outcome)->kind == HostOutcome::Kind::exit)
    return WasmError::exit((*state.outcome)->exitCode);
  const std::string message = trap ? trap->message() : "start function failed";
  WasmError error = WasmError::make(errc::wasm_instantiation_failed, message);
  error.trap = trapKindFromMessage(message);
  error.function = trappedFunction(thread, instance, &names, "start");
  return error;
}

}  // namespace

WasmResult<std::shared_ptr<Instance>> WabtModule::instantiate(const Imports& imports) {
  if (auto checked = imports.check(info_); !checked)
    return checked.error();
  auto state = std::make_shared<WabtHostState>();
  state->outcome = outcome_;
  state->outcome->reset();
  std::vector<std::shared_ptr<Instance>> providers;
  interp::RefVec externs;
  for (const auto& import : module_->import_types()) {
    if (const InstanceExport* item = imports.findInstanceExport(import.module, import.name)) {
      const auto* provider = dynamic_cast<const WabtInstance*>(item->instance.get());
      auto ref = provider != nullptr ? provider->exportRef(item->exportName) : std::nullopt;
      if (!ref) {
        return WasmError::make(errc::wasm_link_error, "import " + import.module + "." +
                                                          import.name + ": no export " +
                                                          item->exportName + " to import");
      }
      externs.push_back(*ref);
      providers.push_back(item->instance);
      continue;
    }
    if (const Instance* other = imports.findInstance(import.module)) {
      const auto* provider = dynamic_cast<const WabtInstance*>(other);
      auto ref = provider != nullptr ? provider->exportRef(import.name) : std::nullopt;
      if (!ref) {
        return WasmError::make(errc::wasm_link_error,
                               "unknown import " + import.module + "." + import.name);
      }
      externs.push_back(*ref);
      continue;
    }
    const HostFunction* function = imports.findFunction(import.module, import.name);
    if (function == nullptr) {
      return WasmError::make(errc::wasm_link_error,
                             "unknown import " + import.module + "." + import.name);
    }
    externs.push_back(makeHostFunc(*store_, *function, state).ref());
  }
  interp::Trap::Ptr trap;
  auto instance = interp::Instance::Instantiate(*store_, module_.ref(), externs, &trap);
  if (!instance) {
    const std::string message = trap ? trap->message() : "instantiation failed";
    if (*state->outcome && (*state->outcome)->kind == HostOutcome::Kind::exit)
      return WasmError::exit((*state->outcome)->exitCode);
    // wabt matches imports before anything else; its words for a mismatch are these.
    if (message.find("import") != std::string::npos ||
        message.find("mismatch") != std::string::npos ||
        message.find("than declared") != std::string::npos)
      return WasmError::make(errc::wasm_link_error, message);
    WasmError error = WasmError::make(errc::wasm_instantiation_failed, message);
    error.trap = trapKindFromMessage(message);
    return error;
  }
  if (start_) {
    if (*start_ >= instance->funcs().size())
      return WasmError::make(errc::wasm_instantiation_failed, "no start function");
    if (auto started = runStart(*store_, *instance, instance->funcs()[*start_], limits_, *state,
                                *functionNames_);
        !started)
      return started.error();
  }
  return std::make_shared<WabtInstance>(store_, module_, std::move(instance), std::move(state),
                                        std::move(providers), limits_, functionNames_);
}

}  // namespace wasmesh::wasm::wabt
