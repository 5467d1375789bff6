#include "V8Module.h"

#include <v8-container.h>
#include <v8-exception.h>
#include <v8-external.h>
#include <v8-function.h>
#include <v8-template.h>

#include <boost/container/small_vector.hpp>

#include "V8Instance.h"
#include "V8Values.h"

namespace wasmesh::wasm::v8 {
namespace {

::v8::Local<::v8::String> jsString(::v8::Isolate* isolate, std::string_view value) {
  return ::v8::String::NewFromUtf8(isolate, value.data(), ::v8::NewStringType::kNormal,
                                   static_cast<int>(value.size()))
      .ToLocalChecked();
}

// Every host function enters here. Arguments were typed by V8 from the import's signature;
// a trap or exit is recorded in the state and thrown as a JS error to unwind the guest.
void callHost(const ::v8::FunctionCallbackInfo<::v8::Value>& info) {
  auto* binding = static_cast<V8HostBinding*>(info.Data().As<::v8::External>()->Value());
  ::v8::Isolate* isolate = info.GetIsolate();
  auto context = isolate->GetCurrentContext();
  const FunctionType& type = binding->function.type;
  // On the stack: a heap allocation per call was a sixth of a host call's cost (bench/wasm).
  boost::container::small_vector<Value, 8> args;
  for (std::size_t i = 0; i < type.params.size(); ++i) {
    auto value = fromJs(context, type.params[i], info[static_cast<int>(i)]);
    if (!value) {
      isolate->ThrowException(::v8::Exception::TypeError(jsString(isolate, "bad argument")));
      return;
    }
    args.push_back(*value);
  }
  boost::container::small_vector<Value, 4> results(type.results.size());
  for (std::size_t i = 0; i < results.size(); ++i)
    results[i].type = type.results[i];
  GuestMemory memory = currentMemory(isolate, binding->state->memory);
  HostOutcome outcome =
      binding->function.callback(memory, std::span<const Value>(args), std::span<Value>(results));
  if (outcome.kind != HostOutcome::Kind::ok) {
    auto exception = ::v8::Exception::Error(jsString(isolate, "wasmesh host call ended"));
    binding->runtime->hostFailed(exception, std::move(outcome));
    isolate->ThrowException(exception);
    return;
  }
  if (results.size() == 1) {
    info.GetReturnValue().Set(toJs(isolate, results[0]));
  } else if (results.size() > 1) {
    std::vector<::v8::Local<::v8::Value>> values;
    values.reserve(results.size());
    for (const Value& result : results)
      values.push_back(toJs(isolate, result));
    info.GetReturnValue().Set(::v8::Array::New(isolate, values.data(), values.size()));
  }
}

::v8::Local<::v8::Object> moduleObject(::v8::Isolate* isolate, ::v8::Local<::v8::Context> context,
                                       ::v8::Local<::v8::Object> imports, const std::string& name) {
  auto key = jsString(isolate, name);
  ::v8::Local<::v8::Value> existing;
  if (imports->Get(context, key).ToLocal(&existing) && existing->IsObject())
    return existing.As<::v8::Object>();
  auto created = ::v8::Object::New(isolate);
  imports->Set(context, key, created).Check();
  return created;
}

}  // namespace

V8Module::V8Module(std::shared_ptr<V8Runtime> runtime, ::v8::Local<::v8::WasmModuleObject> module,
                   ModuleInfo info, Limits limits)
    : runtime_(std::move(runtime)),
      module_(runtime_->isolate(), module),
      info_(std::make_shared<const ModuleInfo>(std::move(info))),
      limits_(limits) {}

V8Module::~V8Module() {
  module_.Reset();
}

WasmResult<std::shared_ptr<Instance>> V8Module::instantiate(const Imports& imports) {
  if (auto checked = imports.check(*info_); !checked)
    return checked.error();
  ::v8::Isolate* isolate = runtime_->isolate();
  const V8Scope scope(*runtime_);
  auto context = scope.context();

  auto state = std::make_shared<V8HostState>();
  std::vector<std::unique_ptr<V8HostBinding>> bindings;
  std::vector<std::shared_ptr<Instance>> providers;
  auto importObject = ::v8::Object::New(isolate);
  for (const auto& import : info_->imports) {
    if (const Instance* other = imports.findInstance(import.module)) {
      const auto* provider = dynamic_cast<const V8Instance*>(other);
      if (provider == nullptr)
        return WasmError::make(errc::wasm_link_error, "instance " + import.module + " is not V8's");
      importObject->Set(context, jsString(isolate, import.module), provider->exports()).Check();
      continue;
    }
    if (const InstanceExport* item = imports.findInstanceExport(import.module, import.name)) {
      const auto* provider = dynamic_cast<const V8Instance*>(item->instance.get());
      ::v8::Local<::v8::Value> value;
      if (provider == nullptr ||
          !provider->exports()->Get(context, jsString(isolate, item->exportName)).ToLocal(&value) ||
          value->IsUndefined()) {
        return WasmError::make(errc::wasm_link_error, "import " + import.module + "." +
                                                          import.name + ": no export " +
                                                          item->exportName + " to import");
      }
      moduleObject(isolate, context, importObject, import.module)
          ->Set(context, jsString(isolate, import.name), value)
          .Check();
      providers.push_back(item->instance);
      continue;
    }
    const HostFunction* function = imports.findFunction(import.module, import.name);
    bindings.push_back(
        std::make_unique<V8HostBinding>(V8HostBinding{*function, state, runtime_.get()}));
    // Function::New, not a FunctionTemplate: V8 caches every template's function in the
    // context for good, so a template per instantiation grew the heap with each recreated
    // instance (instantiation slowed to 145 us over 50,000 instances, against 23 us now;
    // bench/wasm).
    ::v8::Local<::v8::Function> jsFunction;
    if (!::v8::Function::New(context, callHost, ::v8::External::New(isolate, bindings.back().get()),
                             0, ::v8::ConstructorBehavior::kThrow)
             .ToLocal(&jsFunction)) {
      return WasmError::make(errc::wasm_engine_failure, "cannot make host function");
    }
    moduleObject(isolate, context, importObject, import.module)
        ->Set(context, jsString(isolate, import.name), jsFunction)
        .Check();
  }

  // Instantiation runs the start function: the same limits as a call.
  runtime_->limitStack(limits_);
  const ::v8::TryCatch tryCatch(isolate);
  if (limits_.cpuTimePerCall)
    runtime_->watchdog().arm(std::chrono::steady_clock::now() + *limits_.cpuTimePerCall);
  auto created = newWasmInstance(isolate, context, module_.Get(isolate), importObject);
  const bool terminated = limits_.cpuTimePerCall && runtime_->watchdog().disarm();
  if (terminated || isolate->IsExecutionTerminating())
    isolate->CancelTerminateExecution();
  ::v8::Local<::v8::Object> instance;
  // A trapping start function leaves V8 10.2's NewInstance with a result and a caught
  // exception both: the exception decides.
  if (!created.ToLocal(&instance) || tryCatch.HasCaught() || terminated) {
    WasmError error = guestError(*runtime_, context, tryCatch.Exception(),
                                 terminated || tryCatch.HasTerminated(), limits_, "start");
    if (error.code == errc::wasm_trap) {
      const ::v8::String::Utf8Value message(isolate, tryCatch.Exception());
      const std::string text = *message == nullptr ? "" : *message;
      const bool link = text.rfind("LinkError", 0) == 0;
      error.code = link ? errc::wasm_link_error : errc::wasm_instantiation_failed;
      error.message = text;
    }
    return error;
  }
  ::v8::Local<::v8::Value> exportsValue;
  if (!instance->Get(context, jsString(isolate, "exports")).ToLocal(&exportsValue) ||
      !exportsValue->IsObject()) {
    return WasmError::make(errc::wasm_engine_failure, "instance without exports");
  }
  auto exports = exportsValue.As<::v8::Object>();
  // WASI's convention is the export "memory"; otherwise the first exported memory.
  for (const auto& exported : info_->exports) {
    if (exported.kind != ExternKind::memory ||
        (!state->memory.IsEmpty() && exported.name != "memory"))
      continue;
    ::v8::Local<::v8::Value> memory;
    if (exports->Get(context, jsString(isolate, exported.name)).ToLocal(&memory) &&
        memory->IsWasmMemoryObject()) {
      state->memory.Reset(isolate, memory.As<::v8::WasmMemoryObject>());
    }
  }
  return std::make_shared<V8Instance>(runtime_, exports, std::move(state), std::move(bindings),
                                      std::move(providers), info_, limits_);
}

}  // namespace wasmesh::wasm::v8
