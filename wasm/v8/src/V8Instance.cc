#include "V8Instance.h"

#include <v8-array-buffer.h>
#include <v8-container.h>
#include <v8-exception.h>
#include <v8-function.h>

#include <algorithm>
#include <boost/container/small_vector.hpp>

#include "V8Trampoline.h"
#include "V8Traps.h"
#include "V8Values.h"
#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::wasm::v8 {
namespace {

std::string text(::v8::Isolate* isolate, ::v8::Local<::v8::Value> value) {
  const ::v8::String::Utf8Value utf8(isolate, value);
  return *utf8 == nullptr ? std::string() : std::string(*utf8, utf8.length());
}

::v8::Local<::v8::String> jsString(::v8::Isolate* isolate, std::string_view value) {
  return ::v8::String::NewFromUtf8(isolate, value.data(), ::v8::NewStringType::kNormal,
                                   static_cast<int>(value.size()))
      .ToLocalChecked();
}

}  // namespace

GuestMemory currentMemory(::v8::Isolate* isolate,
                          const ::v8::Global<::v8::WasmMemoryObject>& memory) {
  if (memory.IsEmpty())
    return GuestMemory{};
  auto buffer = memory.Get(isolate)->Buffer();
  return GuestMemory{std::span(static_cast<std::uint8_t*>(buffer->Data()), buffer->ByteLength())};
}

WasmError guestError(V8Runtime& runtime, ::v8::Local<::v8::Context> context,
                     ::v8::Local<::v8::Value> exception, bool terminated, const Limits& limits,
                     std::string_view exportName) {
  ::v8::Isolate* isolate = runtime.isolate();
  if (terminated) {
    return WasmError::make(errc::wasm_cpu_limit,
                           "timeout after " + formatDuration(limits.cpuTimePerCall.value_or(
                                                  std::chrono::milliseconds{0})));
  }
  if (auto outcome = runtime.takeHostOutcome(exception)) {
    if (outcome->kind == HostOutcome::Kind::exit)
      return WasmError::exit(outcome->exitCode);
    return WasmError::makeTrap(TrapKind::host_error, std::string(exportName), outcome->message);
  }
  if (exception.IsEmpty())
    return WasmError::makeTrap(TrapKind::unknown, std::string(exportName), "no exception");
  const std::string message = text(isolate, exception);
  std::string function;
  if (exception->IsObject()) {
    ::v8::Local<::v8::Value> stack;
    if (exception.As<::v8::Object>()->Get(context, jsString(isolate, "stack")).ToLocal(&stack))
      function = functionFromStack(text(isolate, stack));
  }
  if (function.empty())
    function = exportName;
  return WasmError::makeTrap(trapKindFromMessage(message), std::move(function), message);
}

V8Instance::V8Instance(std::shared_ptr<V8Runtime> runtime, ::v8::Local<::v8::Object> exports,
                       std::shared_ptr<V8HostState> state,
                       std::vector<std::unique_ptr<V8HostBinding>> bindings,
                       std::vector<std::shared_ptr<Instance>> providers,
                       std::shared_ptr<const ModuleInfo> info, Limits limits)
    : runtime_(std::move(runtime)),
      info_(std::move(info)),
      exports_(runtime_->isolate(), exports),
      state_(std::move(state)),
      bindings_(std::move(bindings)),
      providers_(std::move(providers)),
      limits_(limits) {}

V8Instance::~V8Instance() {
  const V8Scope scope(*runtime_);
  const std::uint64_t memoryBytes = currentMemory(runtime_->isolate(), state_->memory).size();
  callables_.clear();
  memories_.clear();
  exports_.Reset();
  state_->memory.Reset();
  runtime_->discarded(memoryBytes);
}

WasmError V8Instance::fail(WasmError error) {
  if (!failure_)
    failure_ = error;
  return error;
}

WasmResult<const V8Instance::Callable*> V8Instance::callable(::v8::Local<::v8::Context> context,
                                                             std::string_view exportName) {
  if (auto found = callables_.find(exportName); found != callables_.end())
    return &found->second;
  const ExportDesc* desc = info_->findExport(exportName);
  if (desc == nullptr || desc->kind != ExternKind::function)
    return WasmError::make(errc::wasm_bad_call, "no exported function " + std::string(exportName));
  auto function = makeFunction(context, exportName, desc->functionType);
  if (!function)
    return function.error();
  Callable& entry = callables_[std::string(exportName)];
  entry.type = &desc->functionType;
  entry.lowered = needsTrampoline(desc->functionType);
  entry.wireResults =
      entry.lowered ? trampolineType(desc->functionType).results : desc->functionType.results;
  entry.function.Reset(runtime_->isolate(), *function);
  return &entry;
}

WasmResult<::v8::Local<::v8::Function>> V8Instance::makeFunction(::v8::Local<::v8::Context> context,
                                                                 std::string_view exportName,
                                                                 const FunctionType& type) {
  ::v8::Isolate* isolate = runtime_->isolate();
  ::v8::Local<::v8::Value> target;
  if (!exports()->Get(context, jsString(isolate, exportName)).ToLocal(&target) ||
      !target->IsFunction()) {
    return WasmError::make(errc::wasm_bad_call, "no exported function " + std::string(exportName));
  }
  if (!needsTrampoline(type))
    return target.As<::v8::Function>();
  const auto bytes = trampolineModule(type);
  const ::v8::TryCatch tryCatch(isolate);
  ::v8::Local<::v8::WasmModuleObject> module;
  ::v8::Local<::v8::Object> instance;
  ::v8::Local<::v8::Value> exports;
  ::v8::Local<::v8::Value> function;
  auto imports = ::v8::Object::New(isolate);
  auto inner = ::v8::Object::New(isolate);
  if (!::v8::WasmModuleObject::Compile(isolate, {bytes.data(), bytes.size()}).ToLocal(&module) ||
      !inner->Set(context, jsString(isolate, "f"), target).FromMaybe(false) ||
      !imports->Set(context, jsString(isolate, "m"), inner).FromMaybe(false) ||
      !newWasmInstance(isolate, context, module, imports).ToLocal(&instance) ||
      !instance->Get(context, jsString(isolate, "exports")).ToLocal(&exports) ||
      !exports->IsObject() ||
      !exports.As<::v8::Object>()->Get(context, jsString(isolate, "t")).ToLocal(&function) ||
      !function->IsFunction()) {
    return WasmError::make(errc::wasm_engine_failure,
                           "cannot build the call trampoline for " + std::string(exportName));
  }
  return function.As<::v8::Function>();
}

WasmResult<std::vector<Value>> V8Instance::call(std::string_view exportName,
                                                std::span<const Value> args) {
  if (failure_)
    return *failure_;
  ::v8::Isolate* isolate = runtime_->isolate();
  const V8Scope scope(*runtime_);
  auto context = scope.context();
  auto entry = callable(context, exportName);
  if (!entry)
    return entry.error();
  const FunctionType& type = *(*entry)->type;
  if (args.size() != type.params.size()) {
    return WasmError::make(
        errc::wasm_bad_call,
        std::string(exportName) + " takes " + std::to_string(type.params.size()) + " arguments");
  }
  const bool lowered = (*entry)->lowered;
  boost::container::small_vector<::v8::Local<::v8::Value>, 8> argv;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const Value& arg = args[i];
    if (arg.type != type.params[i]) {
      return WasmError::make(errc::wasm_bad_call, std::string(exportName) + ": argument " +
                                                      std::to_string(i) + " is not " +
                                                      toString(arg.type));
    }
    if (lowered && arg.type == ValueType::f32) {
      argv.push_back(toJs(isolate, Value::i32(static_cast<std::int32_t>(arg.asU32()))));
    } else if (lowered && (arg.type == ValueType::f64 || arg.type == ValueType::v128)) {
      argv.push_back(toJs(isolate, Value::i64(static_cast<std::int64_t>(arg.low))));
      if (arg.type == ValueType::v128)
        argv.push_back(toJs(isolate, Value::i64(static_cast<std::int64_t>(arg.high))));
    } else {
      argv.push_back(toJs(isolate, arg));
    }
  }

  runtime_->limitStack(limits_);
  const ::v8::TryCatch tryCatch(isolate);
  if (limits_.cpuTimePerCall)
    runtime_->watchdog().arm(std::chrono::steady_clock::now() + *limits_.cpuTimePerCall);
  auto returned = (*entry)->function.Get(isolate)->Call(context, ::v8::Undefined(isolate),
                                                        static_cast<int>(argv.size()), argv.data());
  const bool terminated = limits_.cpuTimePerCall && runtime_->watchdog().disarm();
  if (terminated || isolate->IsExecutionTerminating())
    isolate->CancelTerminateExecution();
  ::v8::Local<::v8::Value> result;
  if (!returned.ToLocal(&result) || tryCatch.HasCaught()) {
    const bool timedOut = terminated || tryCatch.HasTerminated();
    return fail(
        guestError(*runtime_, context, tryCatch.Exception(), timedOut, limits_, exportName));
  }
  // A call that finished just as the watchdog fired still succeeded: keep its result.
  const std::vector<ValueType>& wire = (*entry)->wireResults;
  std::vector<Value> raw;
  if (wire.size() == 1) {
    auto value = fromJs(context, wire[0], result);
    if (!value)
      return WasmError::make(errc::wasm_bad_call,
                             "cannot convert the result of " + std::string(exportName));
    raw.push_back(*value);
  } else if (wire.size() > 1 && result->IsArray()) {
    // Several results come back as an array, in order.
    auto array = result.As<::v8::Array>();
    for (std::uint32_t i = 0; i < array->Length() && i < wire.size(); ++i) {
      ::v8::Local<::v8::Value> element;
      auto value = array->Get(context, i).ToLocal(&element) ? fromJs(context, wire[i], element)
                                                            : std::nullopt;
      if (!value)
        return WasmError::make(errc::wasm_bad_call,
                               "cannot convert the results of " + std::string(exportName));
      raw.push_back(*value);
    }
  }
  if (raw.size() != wire.size())
    return WasmError::make(errc::wasm_bad_call,
                           "wrong number of results from " + std::string(exportName));
  if (!lowered)
    return raw;
  // Raise the integer bits back to the export's own result types.
  std::vector<Value> out;
  std::size_t next = 0;
  for (ValueType t : type.results) {
    const Value& bits = raw[next++];
    if (t == ValueType::f32)
      out.push_back(Value::f32Bits(bits.asU32()));
    else if (t == ValueType::f64)
      out.push_back(Value::f64Bits(bits.low));
    else if (t == ValueType::v128)
      out.push_back(Value::v128(bits.low, raw[next++].low));
    else
      out.push_back(bits);
  }
  return out;
}

WasmResult<Value> V8Instance::global(std::string_view exportName) {
  ::v8::Isolate* isolate = runtime_->isolate();
  const V8Scope scope(*runtime_);
  auto context = scope.context();
  ::v8::Local<::v8::Value> global;
  if (!exports()->Get(context, jsString(isolate, exportName)).ToLocal(&global) ||
      !global->IsObject()) {
    return WasmError::make(errc::wasm_bad_call, "no exported global " + std::string(exportName));
  }
  // WebAssembly.Global has a `value` accessor; its type comes from the binary.
  ::v8::Local<::v8::Value> value;
  if (!global.As<::v8::Object>()->Get(context, jsString(isolate, "value")).ToLocal(&value))
    return WasmError::make(errc::wasm_bad_call, "cannot read global " + std::string(exportName));
  const ExportDesc* desc = info_->findExport(exportName);
  const ValueType type =
      desc != nullptr && desc->globalType ? *desc->globalType : ValueType::externref;
  auto converted = fromJs(context, type, value);
  if (!converted)
    return WasmError::make(errc::wasm_bad_call, "cannot read global " + std::string(exportName));
  return *converted;
}

WasmResult<std::vector<std::uint8_t>> V8Instance::readMemory(std::uint64_t offset,
                                                             std::uint64_t length) {
  const V8Scope scope(*runtime_);
  GuestMemory view = currentMemory(runtime_->isolate(), state_->memory);
  if (!view.contains(offset, length))
    return WasmError::make(errc::wasm_bad_call, "memory read out of bounds");
  std::vector<std::uint8_t> out(length);
  view.read(offset, out);
  return out;
}

WasmResult<void> V8Instance::writeMemory(std::uint64_t offset, std::span<const std::uint8_t> data) {
  const V8Scope scope(*runtime_);
  GuestMemory view = currentMemory(runtime_->isolate(), state_->memory);
  if (!view.write(offset, data))
    return WasmError::make(errc::wasm_bad_call, "memory write out of bounds");
  return {};
}

WasmResult<GuestMemory> V8Instance::exportedMemory(std::string_view exportName) {
  ::v8::Isolate* isolate = runtime_->isolate();
  // Entered like any other entry from the host: the canonical ABI asks for views both inside
  // host calls and between calls into the guest.
  const V8Scope scope(*runtime_);
  auto found = memories_.find(exportName);
  if (found == memories_.end()) {
    ::v8::Local<::v8::Value> memory;
    if (!exports()->Get(scope.context(), jsString(isolate, exportName)).ToLocal(&memory) ||
        !memory->IsWasmMemoryObject())
      return WasmError::make(errc::wasm_bad_call, "no exported memory " + std::string(exportName));
    found = memories_
                .emplace(std::string(exportName), ::v8::Global<::v8::WasmMemoryObject>(
                                                      isolate, memory.As<::v8::WasmMemoryObject>()))
                .first;
  }
  return currentMemory(isolate, found->second);
}

std::uint64_t V8Instance::memorySize() {
  const V8Scope scope(*runtime_);
  return currentMemory(runtime_->isolate(), state_->memory).size();
}

}  // namespace wasmesh::wasm::v8
