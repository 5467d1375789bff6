#include "wasmesh/wasm/component/ComponentInstance.h"

#include "InstanceMemory.h"
#include "wasmesh/wasm/component/CanonicalAbi.h"

namespace wasmesh::wasm::component {
namespace {

// Marks the entry and exit of a call in the instance's call stack (borrow scopes).
class CallScope {
 public:
  CallScope(std::vector<CallState*>& calls, CallState& call) : calls_(calls) {
    calls.push_back(&call);
    call.scope = static_cast<std::uint32_t>(calls.size());
  }
  ~CallScope() { calls_.pop_back(); }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;

 private:
  std::vector<CallState*>& calls_;
};

}  // namespace

ComponentInstance::ComponentInstance(std::shared_ptr<const LinkedComponent> linked,
                                     std::unique_ptr<HostState> state,
                                     std::shared_ptr<ComponentCounters> counters)
    : linked_(std::move(linked)),
      state_(std::move(state)),
      counters_(std::move(counters)),
      tables_(linked_->componentInstances),
      mayEnter_(linked_->componentInstances, true),
      mayLeave_(linked_->componentInstances, true) {}

ComponentInstance::~ComponentInstance() {
  // Core instances first: their host functions point back here.
  cores_.clear();
}

WasmError ComponentInstance::fail(WasmError error) {
  if (!failure_) {
    failure_ = error;
    if (error.code == errc::wasm_exit)
      ++counters_->exits;
    else if (error.code == errc::wasm_cpu_limit || error.code == errc::wasm_memory_limit)
      ++counters_->limits;
    else
      ++counters_->traps;
  }
  return error;
}

HostOutcome ComponentInstance::hostFailure(WasmError error, const std::string& function) {
  if (error.code == errc::wasm_exit) {
    hostError_ = error;
    return HostOutcome::exit(error.exitCode);
  }
  if (error.function.empty())
    error.function = function;
  // A limit a host function enforces (a guest waiting past its deadline) stays a limit.
  const bool limit = error.code == errc::wasm_cpu_limit || error.code == errc::wasm_memory_limit;
  if (error.code != errc::wasm_trap && !limit)
    error = WasmError::makeTrap(TrapKind::host_error, function, error.describe());
  hostError_ = error;
  return HostOutcome::trap(error.message);
}

WasmError ComponentInstance::failedCall(WasmError error) {
  // A host function's own error is more precise than the engine's "host function error".
  if (hostError_ && (error.code == errc::wasm_exit ||
                     (error.code == errc::wasm_trap && error.trap == TrapKind::host_error))) {
    error = *hostError_;
  }
  hostError_.reset();
  return error;
}

Imports ComponentInstance::importsFor(const CoreInstantiation& instantiation) {
  Imports imports;
  for (const CoreImport& import : instantiation.imports) {
    const CoreFuncRef& ref = import.item;
    switch (ref.kind) {
      case CoreFuncRef::Kind::exported:
        imports.add(
            InstanceExport{import.module, import.name, cores_[ref.index], ref.name, import.kind});
        break;
      case CoreFuncRef::Kind::lowered:
        imports.add(
            HostFunction{import.module, import.name, linked_->lowered[ref.index].coreType,
                         [this, index = ref.index](GuestMemory&, std::span<const Value> args,
                                                   std::span<Value> results) {
                           return callLowered(index, args, results);
                         }});
        break;
      default: {
        FunctionType type{{ValueType::i32}, {}};
        if (ref.kind != CoreFuncRef::Kind::resourceDrop)
          type.results.push_back(ValueType::i32);
        imports.add(HostFunction{
            import.module, import.name, type,
            [this, ref](GuestMemory&, std::span<const Value> args, std::span<Value> results) {
              return resourceBuiltin(ref, args, results);
            }});
      }
    }
  }
  return imports;
}

WasmResult<void> ComponentInstance::instantiateCore(
    const std::vector<std::shared_ptr<Module>>& modules) {
  ++counters_->instantiations;
  for (std::size_t i = 0; i < linked_->instantiations.size(); ++i) {
    const CoreInstantiation& step = linked_->instantiations[i];
    auto core = modules[step.module]->instantiate(importsFor(step));
    if (!core) {
      WasmError error = failedCall(core.error());
      if (error.code != errc::wasm_exit)
        error.message = "core instance " + std::to_string(i) + " (module " +
                        std::to_string(step.module) + "): " + error.message;
      return fail(std::move(error));
    }
    cores_.push_back(std::move(*core));
  }
  return {};
}

HostOutcome ComponentInstance::callLowered(std::uint32_t index, std::span<const Value> arguments,
                                           std::span<Value> results) {
  const LoweredFunction& lowered = linked_->lowered[index];
  const std::uint32_t component = lowered.options.instance;
  if (!mayLeave_[component])
    return hostFailure(abiTrap("called while the component instance may not call out (from "
                               "realloc or post-return)"),
                       lowered.name);
  CallState call;
  const CallScope scope(calls_, call);
  InstanceMemory memory(*this, lowered.options);
  AbiContext cx(linked_->types);
  cx.encoding = lowered.options.encoding;
  cx.memory = &memory;
  cx.handles = &tables_[component];
  cx.instance = component;
  cx.call = &call;
  const FuncType& type = linked_->types.func(lowered.type);
  auto values = CanonicalAbi::liftArguments(cx, type, arguments);
  if (!values) {
    tables_[component].endLends(call.lenders);
    return hostFailure(values.error(), lowered.name);
  }
  auto result = callFunction(lowered.callee, *values);
  if (!result) {
    tables_[component].endLends(call.lenders);
    return hostFailure(result.error(), lowered.name);
  }
  auto stored = CanonicalAbi::lowerResult(cx, type, *result, arguments, results);
  tables_[component].endLends(call.lenders);
  if (!stored)
    return hostFailure(stored.error(), lowered.name);
  return HostOutcome::ok();
}

WasmResult<std::optional<Val>> ComponentInstance::callFunction(const ComponentFunc& func,
                                                               std::vector<Val>& arguments) {
  switch (func.kind) {
    case ComponentFunc::Kind::host:
      return linked_->host->function(func.index).function->callback(*state_, arguments);
    case ComponentFunc::Kind::lifted:
      return callLifted(func.index, arguments);
    case ComponentFunc::Kind::unbound:
      break;
  }
  return WasmError::make(errc::wasm_link_error, "call of an import the host does not grant");
}

HostOutcome ComponentInstance::resourceBuiltin(const CoreFuncRef& ref,
                                               std::span<const Value> arguments,
                                               std::span<Value> results) {
  HandleTable& table = tables_[ref.instance];
  const ResourceType& resource = linked_->types.resource(ref.index);
  const std::string name = "resource." +
                           std::string(ref.kind == CoreFuncRef::Kind::resourceNew    ? "new"
                                       : ref.kind == CoreFuncRef::Kind::resourceDrop ? "drop"
                                                                                     : "rep") +
                           " " + resource.name;
  const std::uint32_t argument = arguments[0].asU32();
  switch (ref.kind) {
    case CoreFuncRef::Kind::resourceNew: {
      auto index = table.add({ref.index, argument, true, 0, 0});
      if (!index)
        return hostFailure(index.error(), name);
      results[0] = Value::i32(static_cast<std::int32_t>(*index));
      return HostOutcome::ok();
    }
    case CoreFuncRef::Kind::resourceRep: {
      auto rep = table.rep(ref.index, argument);
      if (!rep)
        return hostFailure(rep.error(), name);
      results[0] = Value::i32(static_cast<std::int32_t>(*rep));
      return HostOutcome::ok();
    }
    default:
      break;
  }
  auto dropped = table.drop(ref.index, argument);
  if (!dropped)
    return hostFailure(dropped.error(), name);
  if (!dropped->own) {
    if (dropped->scope >= 1 && dropped->scope <= calls_.size() &&
        calls_[dropped->scope - 1]->borrows > 0)
      --calls_[dropped->scope - 1]->borrows;
    return HostOutcome::ok();
  }
  if (resource.host) {
    if (resource.bound && linked_->host != nullptr) {
      const auto& host = linked_->host->resource(resource.hostResource);
      if (host.resource->destructor)
        host.resource->destructor(*state_, dropped->rep);
    }
    return HostOutcome::ok();
  }
  if (resource.destructor) {
    if (!mayEnter_[resource.componentInstance] && resource.componentInstance != ref.instance)
      return hostFailure(abiTrap("destructor of a component instance that is running"), name);
    const CoreExportRef& destructor = linked_->destructors[*resource.destructor];
    const std::array rep{Value::i32(static_cast<std::int32_t>(dropped->rep))};
    auto ran = cores_[destructor.instance]->call(destructor.name, rep);
    if (!ran)
      return hostFailure(failedCall(ran.error()), name);
  }
  return HostOutcome::ok();
}

WasmResult<std::optional<Val>> ComponentInstance::callLifted(std::uint32_t index,
                                                             std::span<const Val> arguments) {
  const LiftedFunction& lifted = linked_->lifted[index];
  const std::uint32_t component = lifted.options.instance;
  if (!mayEnter_[component])
    return abiTrap(lifted.name + " called while its component instance is running (re-entered)");
  mayEnter_[component] = false;
  CallState call;
  const CallScope scope(calls_, call);
  InstanceMemory memory(*this, lifted.options);
  AbiContext cx(linked_->types);
  cx.encoding = lifted.options.encoding;
  cx.memory = &memory;
  cx.handles = &tables_[component];
  cx.instance = component;
  cx.call = &call;
  const FuncType& type = linked_->types.func(lifted.type);
  auto outcome = [&]() -> WasmResult<std::optional<Val>> {
    auto core = CanonicalAbi::lowerArguments(cx, type, arguments);
    if (!core)
      return core.error();
    auto results = cores_[lifted.core.instance]->call(lifted.core.name, *core);
    if (!results)
      return failedCall(results.error());
    auto result = CanonicalAbi::liftResult(cx, type, *results);
    if (!result)
      return result.error();
    if (lifted.options.postReturn) {
      mayLeave_[component] = false;
      auto post = cores_[lifted.options.postReturn->instance]->call(lifted.options.postReturn->name,
                                                                    *results);
      mayLeave_[component] = true;
      if (!post)
        return failedCall(post.error());
    }
    if (call.borrows != 0)
      return abiTrap(lifted.name + " returned without dropping " + std::to_string(call.borrows) +
                     " borrowed handles");
    return result;
  }();
  mayEnter_[component] = true;
  return outcome;
}

WasmResult<std::optional<Val>> ComponentInstance::call(std::string_view exportName,
                                                       std::span<const Val> arguments) {
  if (failure_)
    return *failure_;
  const ExportedFunction* exported = linked_->findExport(exportName);
  if (exported == nullptr)
    return WasmError::make(errc::wasm_bad_call, "no exported function " + std::string(exportName));
  const FuncType& type = linked_->types.func(exported->func.type);
  if (arguments.size() != type.params.size())
    return WasmError::make(
        errc::wasm_bad_call,
        std::string(exportName) + " takes " + std::to_string(type.params.size()) + " arguments");
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    if (!CanonicalAbi::matches(linked_->types, arguments[i], type.params[i]))
      return WasmError::make(errc::wasm_bad_call,
                             std::string(exportName) + ": argument " + std::to_string(i) + " (" +
                                 type.paramNames[i] + ") is not a " +
                                 WitPrinter(linked_->types, nullptr).type(type.params[i]));
  }
  std::vector<Val> copy(arguments.begin(), arguments.end());
  auto result = callFunction(exported->func, copy);
  if (!result) {
    WasmError error = result.error();
    if (error.code == errc::wasm_trap && error.function.empty())
      error.function = std::string(exportName);
    if (error.code != errc::wasm_bad_call)
      return fail(std::move(error));
    return error;
  }
  return result;
}

}  // namespace wasmesh::wasm::component
