#include "wasmesh/wasm/proxywasm/ProxyWasmVm.h"

#include <array>

#include "VmState.h"

namespace wasmesh::wasm::proxywasm {
namespace {

constexpr std::string_view kMarker021 = "proxy_abi_version_0_2_1";
constexpr std::string_view kMarker020 = "proxy_abi_version_0_2_0";

WasmError namingCallback(std::string_view callback, const WasmError& error) {
  return WasmError::make(errc::wasm_instantiation_failed,
                         "proxy-wasm " + std::string(callback) + ": " + error.describe());
}

bool isTrue(const std::optional<std::vector<Value>>& results) {
  // An absent callback or one without a result counts as success.
  return !results || results->empty() || (*results)[0].asI32() != 0;
}

}  // namespace

std::string_view toString(AbiVersion version) {
  return version == AbiVersion::v0_2_1 ? "0.2.1" : "0.2.0";
}

ProxyWasmVm::ProxyWasmVm(AbiVersion abi, std::shared_ptr<State> state,
                         std::shared_ptr<Instance> instance, const ModuleInfo& info)
    : abi_(abi), state_(std::move(state)), instance_(std::move(instance)) {
  state_->instance = instance_.get();
  for (const auto& e : info.exports) {
    if (e.kind == ExternKind::function)
      exports_.insert(e.name);
  }
}

ProxyWasmVm::~ProxyWasmVm() {
  // Callbacks that outlive the VM (held by an engine) must not reach a freed instance.
  state_->instance = nullptr;
  // A last line the guest printed without a newline.
  if (!state_->pendingStdout.empty())
    state_->log(LogLevel::info, state_->pendingStdout);
  if (!state_->pendingStderr.empty())
    state_->log(LogLevel::error, state_->pendingStderr);
}

std::optional<AbiVersion> ProxyWasmVm::detectAbi(const ModuleInfo& info) {
  auto isFunction = [&info](std::string_view name) {
    const ExportDesc* e = info.findExport(name);
    return e != nullptr && e->kind == ExternKind::function;
  };
  if (isFunction(kMarker021))
    return AbiVersion::v0_2_1;
  if (isFunction(kMarker020))
    return AbiVersion::v0_2_0;
  return std::nullopt;
}

Imports ProxyWasmVm::linkCheckImports() {
  auto state = std::make_shared<State>();
  state->config.sharedData = std::make_shared<SharedDataStore>();
  state->config.logSink = [](LogLevel, std::string_view) {};
  Imports imports;
  addEnvFunctions(imports, state);
  addWasiFunctions(imports, state);
  return imports;
}

WasmResult<std::unique_ptr<ProxyWasmVm>> ProxyWasmVm::start(Engine& engine,
                                                            std::span<const std::uint8_t> bytes,
                                                            PluginConfig config) {
  auto module = engine.load(bytes, config.limits);
  if (!module)
    return module.error();
  const ModuleInfo& info = (*module)->info();
  const auto abi = detectAbi(info);
  if (!abi) {
    return WasmError::make(errc::wasm_link_error,
                           "not a proxy-wasm module: no ABI marker export (" +
                               std::string(kMarker021) + " or " + std::string(kMarker020) + ")");
  }
  auto state = std::make_shared<State>();
  state->config = std::move(config);
  if (!state->config.sharedData)
    state->config.sharedData = std::make_shared<SharedDataStore>();
  for (std::string_view name :
       {std::string_view("proxy_on_memory_allocate"), std::string_view("malloc")}) {
    const ExportDesc* e = info.findExport(name);
    if (state->allocator.empty() && e != nullptr && e->kind == ExternKind::function &&
        e->functionType == FunctionType{{ValueType::i32}, {ValueType::i32}})
      state->allocator = std::string(name);
  }
  Imports imports;
  addEnvFunctions(imports, state);
  addWasiFunctions(imports, state);
  auto instance = (*module)->instantiate(imports);
  if (!instance)
    return instance.error();
  std::unique_ptr<ProxyWasmVm> vm(new ProxyWasmVm(*abi, state, *instance, info));
  if (auto started = vm->runStartSequence(info); !started)
    return started.error();
  return vm;
}

WasmResult<void> ProxyWasmVm::runStartSequence(const ModuleInfo& info) {
  auto run = [this](std::string_view name,
                    std::span<const Value> args) -> WasmResult<std::optional<std::vector<Value>>> {
    auto result = callback(name, args);
    if (!result)
      return namingCallback(name, result.error());
    return result;
  };
  if (info.findExport("_initialize") != nullptr) {
    if (auto r = run("_initialize", {}); !r)
      return r.error();
    // A reactor's main, when it has one, takes (argc, argv) or nothing; both get zeros.
    if (const ExportDesc* main = info.findExport("main");
        main != nullptr && main->kind == ExternKind::function) {
      const std::vector<Value> zeros(main->functionType.params.size(), Value::i32(0));
      bool allI32 = true;
      for (ValueType t : main->functionType.params)
        allI32 = allI32 && t == ValueType::i32;
      if (allI32) {
        if (auto r = run("main", zeros); !r)
          return r.error();
      }
    }
  } else if (info.findExport("_start") != nullptr) {
    if (auto r = run("_start", {}); !r)
      return r.error();
  }
  const std::uint32_t root = state_->rootContextId;
  const std::array create{Value::i32(static_cast<std::int32_t>(root)), Value::i32(0)};
  if (auto r = run("proxy_on_context_create", create); !r)
    return r.error();
  // proxy_on_vm_start then proxy_on_configure: each sees its own configuration buffer while
  // it runs (EnvFunctions), and a false answer fails the VM.
  const std::array<std::pair<std::string_view, BufferType>, 2> configurations{
      {{"proxy_on_vm_start", BufferType::vm_configuration},
       {"proxy_on_configure", BufferType::plugin_configuration}}};
  for (const auto& [name, buffer] : configurations) {
    const std::array args{
        Value::i32(static_cast<std::int32_t>(root)),
        Value::i32(static_cast<std::int32_t>(state_->configuration(buffer).size()))};
    state_->configurationInScope = buffer;
    auto answered = run(name, args);
    state_->configurationInScope.reset();
    if (!answered)
      return answered.error();
    if (!isTrue(*answered)) {
      failure_ = WasmError::make(errc::wasm_instantiation_failed,
                                 "proxy-wasm " + std::string(name) + " returned false");
      return *failure_;
    }
  }
  return {};
}

WasmResult<std::optional<std::vector<Value>>> ProxyWasmVm::callback(std::string_view name,
                                                                    std::span<const Value> args) {
  if (failure_)
    return *failure_;
  if (!exports_.contains(name))
    return std::optional<std::vector<Value>>{};  // every callback is optional
  auto result = instance_->call(name, args);
  if (!result) {
    failure_ = result.error();
    state_->log(LogLevel::error, std::string(name) + " failed: " + failure_->describe());
    return *failure_;
  }
  // A host copy whose allocator failed inside this call fails the instance too.
  if (instance_->failure()) {
    failure_ = *instance_->failure();
    return *failure_;
  }
  return std::optional<std::vector<Value>>(std::move(*result));
}

std::uint32_t ProxyWasmVm::rootContextId() const {
  return state_->rootContextId;
}

WasmResult<void> ProxyWasmVm::tick() {
  const std::array root{Value::i32(static_cast<std::int32_t>(state_->rootContextId))};
  auto result = callback("proxy_on_tick", root);
  if (!result)
    return result.error();
  return {};
}

std::optional<std::chrono::milliseconds> ProxyWasmVm::tickPeriod() const {
  if (state_->tickPeriodMs == 0)
    return std::nullopt;
  return std::chrono::milliseconds(state_->tickPeriodMs);
}

WasmResult<bool> ProxyWasmVm::done() {
  const std::array root{Value::i32(static_cast<std::int32_t>(state_->rootContextId))};
  auto result = callback("proxy_on_done", root);
  if (!result)
    return result.error();
  return isTrue(*result);
}

bool ProxyWasmVm::doneRequested() const {
  return state_->doneRequested;
}

std::vector<PluginMetric> ProxyWasmVm::metrics() const {
  return state_->metrics;
}

}  // namespace wasmesh::wasm::proxywasm
