#include <gtest/gtest.h>

#include <algorithm>

#include "Fixtures.h"
#include "wasmesh/wasm/proxywasm/ProxyWasmVm.h"

namespace wasmesh::wasm::proxywasm {
namespace {

using test::fixture;

struct LogLine {
  LogLevel level;
  std::string text;
};

class ProxyWasmVmTest : public testing::TestWithParam<EngineKind> {
 protected:
  PluginConfig config(std::string vm = "vm-cfg", std::string plugin = "plugin-config") {
    PluginConfig c;
    c.name = "test-plugin";
    c.vmConfiguration = std::move(vm);
    c.pluginConfiguration = std::move(plugin);
    c.logLevel = LogLevel::warn;
    c.logSink = [this](LogLevel level, std::string_view text) {
      logs_.push_back({level, std::string(text)});
    };
    return c;
  }

  WasmResult<std::unique_ptr<ProxyWasmVm>> start(const std::string& name, PluginConfig c) {
    return ProxyWasmVm::start(*engine_, fixture("proxywasm_" + name), std::move(c));
  }

  std::unique_ptr<ProxyWasmVm> started(const std::string& name, PluginConfig c) {
    auto vm = start(name, std::move(c));
    EXPECT_TRUE(vm) << vm.error().describe();
    return vm ? std::move(*vm) : nullptr;
  }

  bool logged(const std::string& text, LogLevel level = LogLevel::info) const {
    return std::any_of(logs_.begin(), logs_.end(), [&](const LogLine& line) {
      return line.text == text && line.level == level;
    });
  }
  std::string allLogs() const {
    std::string all;
    for (const auto& line : logs_)
      all += std::to_string(static_cast<int>(line.level)) + " " + line.text + "\n";
    return all;
  }

  std::unique_ptr<Engine> engine_ = test::engine(GetParam());
  std::vector<LogLine> logs_;
};

TEST_P(ProxyWasmVmTest, StartsA021PluginWithConfigurationLogTimeAndMetrics) {
  auto vm = started("plugin_full", config());
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->abiVersion(), AbiVersion::v0_2_1);
  EXPECT_EQ(vm->rootContextId(), 1U);
  // _initialize, then main, then the root context.
  EXPECT_TRUE(logged("context_create 1 parent 0 main_ran=1")) << allLogs();
  EXPECT_TRUE(logged("buffer 6: status=0 size=6 get=0 got=6", LogLevel::debug)) << allLogs();
  EXPECT_TRUE(logged("vm_start root 1 config 'vm-cfg'")) << allLogs();
  EXPECT_TRUE(logged("configure root 1 config 'plugin-config' slice 0 'lug'")) << allLogs();
  EXPECT_TRUE(logged("log level 3 (0) time ok=1 (0)")) << allLogs();
  EXPECT_TRUE(logged("define 0 0 0 0 same id 1")) << allLogs();
  // proxy_http_call is UNIMPLEMENTED (12).
  EXPECT_TRUE(logged("shared set 0 http_call 12 tick 0 effective 0")) << allLogs();
  EXPECT_EQ(vm->tickPeriod(), std::chrono::milliseconds(250));
  const auto metrics = vm->metrics();
  ASSERT_EQ(metrics.size(), 3U);
  EXPECT_EQ(metrics[0].plugin, "test-plugin");
  EXPECT_EQ(metrics[0].name, "requests_total");
  EXPECT_EQ(metrics[1].type, MetricType::gauge);
  EXPECT_EQ(metrics[2].type, MetricType::histogram);
  EXPECT_FALSE(vm->failure());
}

TEST_P(ProxyWasmVmTest, TickRunsSharedDataCasAndMetrics) {
  auto shared = std::make_shared<SharedDataStore>();
  auto c = config();
  c.sharedData = shared;
  auto vm = started("plugin_full", std::move(c));
  ASSERT_TRUE(vm);
  ASSERT_TRUE(vm->tick());
  EXPECT_TRUE(logged("tick: plugin configuration 1")) << allLogs();  // NOT_FOUND after start
  EXPECT_TRUE(
      logged("tick 1 root 1 shared get 0 value 0 set 0 stale 8 missing 1 | metrics inc 0 "
             "neg 2 gauge 0 down 0 hist 0 | requests 0=2 temperature 0=16 latency 2"))
      << allLogs();
  EXPECT_FALSE(vm->doneRequested());
  ASSERT_TRUE(vm->tick());
  EXPECT_TRUE(
      logged("tick 2 root 1 shared get 0 value 1 set 0 stale 8 missing 1 | metrics inc 0 "
             "neg 2 gauge 0 down 0 hist 0 | requests 0=4 temperature 0=17 latency 2"))
      << allLogs();
  EXPECT_TRUE(vm->doneRequested());  // proxy_done on the second tick
  EXPECT_EQ(shared->get("ticks")->value, "2");
  const auto metrics = vm->metrics();
  ASSERT_EQ(metrics.size(), 3U);
  EXPECT_EQ(metrics[0].value, 4);
  EXPECT_EQ(metrics[1].value, 17);
  EXPECT_EQ(metrics[2].value, 14);
  EXPECT_EQ(metrics[2].samples, 2U);
  auto done = vm->done();
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);  // the plugin answers "not yet"
  EXPECT_TRUE(logged("done root 1"));
}

TEST_P(ProxyWasmVmTest, SharedDataIsSharedByTheVmsOfAGroup) {
  auto shared = std::make_shared<SharedDataStore>();
  auto first = config();
  first.sharedData = shared;
  auto second = config();
  second.sharedData = shared;
  auto a = started("plugin_full", std::move(first));
  auto b = started("plugin_full", std::move(second));
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->tick());
  ASSERT_TRUE(b->tick());
  ASSERT_TRUE(a->tick());
  EXPECT_EQ(shared->get("ticks")->value, "3");
}

TEST_P(ProxyWasmVmTest, StartsA020CommandPluginWithMallocFallback) {
  auto vm = started("plugin_v020", config("", "cfg"));
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->abiVersion(), AbiVersion::v0_2_0);
  // stdout reaches the plugin's log; _start ran before the configure.
  EXPECT_TRUE(logged("v0.2.0 configure root 1 started=1 status 0 'cfg'")) << allLogs();
  EXPECT_TRUE(logged("v0.2.0 to stderr", LogLevel::error)) << allLogs();
  EXPECT_TRUE(logged(std::string(std::size_t{64} * 1024, 'x') + "...(truncated)", LogLevel::warn));
  ASSERT_TRUE(vm->tick());  // no proxy_on_tick: nothing to call, no error
}

TEST_P(ProxyWasmVmTest, RefusesAModuleWithoutMarker) {
  auto vm = start("plugin_no_marker", config());
  ASSERT_FALSE(vm);
  EXPECT_EQ(vm.error().code, errc::wasm_link_error);
  EXPECT_EQ(vm.error().describe(),
            "link: not a proxy-wasm module: no ABI marker export (proxy_abi_version_0_2_1 or "
            "proxy_abi_version_0_2_0)");
  EXPECT_TRUE(logs_.empty());
  auto wasi = ProxyWasmVm::start(*engine_, fixture("hello"), config());
  ASSERT_FALSE(wasi);
  EXPECT_EQ(wasi.error().code, errc::wasm_link_error);
}

TEST_P(ProxyWasmVmTest, FailingVmStartOrConfigureIsAnErrorNamingTheCallback) {
  auto vmStart = start("plugin_full", config("fail"));
  ASSERT_FALSE(vmStart);
  EXPECT_EQ(vmStart.error().code, errc::wasm_instantiation_failed);
  EXPECT_EQ(vmStart.error().describe(),
            "instantiation: proxy-wasm proxy_on_vm_start returned false");
  auto configure = start("plugin_full", config("vm", "reject"));
  ASSERT_FALSE(configure);
  EXPECT_EQ(configure.error().describe(),
            "instantiation: proxy-wasm proxy_on_configure returned false");
}

TEST_P(ProxyWasmVmTest, TrapDuringStartIsAnErrorNamingTheCallback) {
  auto vm = start("plugin_full", config("vm", "trap-in-configure"));
  ASSERT_FALSE(vm);
  EXPECT_EQ(vm.error().code, errc::wasm_instantiation_failed);
  EXPECT_EQ(vm.error().describe().rfind(
                "instantiation: proxy-wasm proxy_on_configure: trap: unreachable", 0),
            0U)
      << vm.error().describe();
}

TEST_P(ProxyWasmVmTest, TrappingAllocatorFailsTheCallbackAndTheVm) {
  auto vm = started("plugin_full", config("vm", "allocator-traps-on-tick"));
  ASSERT_TRUE(vm);
  auto tick = vm->tick();
  ASSERT_FALSE(tick) << allLogs();
  EXPECT_EQ(tick.error().code, errc::wasm_trap) << tick.error().describe();
  ASSERT_TRUE(vm->failure());
  EXPECT_FALSE(vm->tick());
  EXPECT_FALSE(logged("tick 1", LogLevel::info)) << allLogs();
}

TEST_P(ProxyWasmVmTest, TrapInACallbackFailsTheVmForGood) {
  auto vm = started("plugin_full", config("vm", "trap-on-tick"));
  ASSERT_TRUE(vm);
  auto tick = vm->tick();
  ASSERT_FALSE(tick);
  EXPECT_EQ(tick.error().code, errc::wasm_trap);
  EXPECT_EQ(tick.error().trap, TrapKind::unreachable);
  ASSERT_TRUE(vm->failure());
  const auto logCount = logs_.size();
  auto again = vm->tick();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().describe(), tick.error().describe());
  auto done = vm->done();
  ASSERT_FALSE(done);
  EXPECT_EQ(logs_.size(), logCount);  // the guest was not entered again
}

TEST_P(ProxyWasmVmTest, CpuLimitHoldsAcrossAHostCopy) {
  // The host copy runs the guest's allocator as a nested call; the outer callback's limit
  // must still hold after it (on V8 the watchdog keeps one deadline per nested level).
  auto c = config("vm", "spin-after-copy");
  c.limits.cpuTimePerCall = std::chrono::milliseconds(300);
  auto vm = started("plugin_full", std::move(c));
  ASSERT_TRUE(vm);
  auto tick = vm->tick();
  ASSERT_FALSE(tick);
  EXPECT_EQ(tick.error().code, errc::wasm_cpu_limit) << tick.error().describe();
  EXPECT_TRUE(vm->failure());
}

TEST_P(ProxyWasmVmTest, HostileHostCallsGetStatusesAndTheHostSurvives) {
  auto vm = started("plugin_malicious", config("vm", "cfg"));
  ASSERT_TRUE(vm);
  auto at = std::find_if(logs_.begin(), logs_.end(),
                         [](const LogLine& line) { return line.text == "statuses:"; });
  ASSERT_NE(at, logs_.end()) << allLogs();
  ASSERT_NE(at + 1, logs_.end());
  // In the order of plugin_malicious.c: INVALID_MEMORY_ACCESS 6, BAD_ARGUMENT 2, NOT_FOUND 1,
  // UNIMPLEMENTED 12, then WASI fd_write's FAULT 21 and INVAL 28.
  EXPECT_EQ((at + 1)->text,
            "6 6 2 6 6 6 6 2 2 2 1 6 6 2 6 2 1 1 0 0 0 6 6 6 0 6 6 6 6 6 12 12 12 12 2 0 21 28");
  const auto metrics = vm->metrics();
  ASSERT_EQ(metrics.size(), 1U);
  EXPECT_EQ(metrics[0].value, INT64_MAX);  // saturated, not wrapped
  ASSERT_TRUE(vm->tick());
  EXPECT_TRUE(logged("still alive"));
  EXPECT_FALSE(vm->failure());
}

TEST_P(ProxyWasmVmTest, GuardAllowsOnlyLogClockAndFdWriteInsideTheAllocator) {
  auto shared = std::make_shared<SharedDataStore>();
  auto c = config("", "cfg");
  c.sharedData = shared;
  auto vm = started("plugin_guard", std::move(c));
  ASSERT_TRUE(vm);
  EXPECT_TRUE(logged("inside the allocator")) << allLogs();
  EXPECT_TRUE(logged("fd_write inside the allocator")) << allLogs();
  // Allowed: OK (0). Refused: INTERNAL_FAILURE (10) for env, NOSYS (52) for WASI.
  EXPECT_TRUE(
      logged("guard: copy 0 'cfg' allocations 1 | log 0 level 0 time 0 | buffer 10 "
             "shared 10 metric 10 tick 10 | clock 0 random 52 fd_write 0"))
      << allLogs();
  EXPECT_EQ(shared->size(), 0U);
  EXPECT_TRUE(vm->metrics().empty());
  EXPECT_FALSE(vm->tickPeriod());
}

TEST_P(ProxyWasmVmTest, LinkCheckImportsCoverEveryPlugin) {
  const Imports imports = ProxyWasmVm::linkCheckImports();
  for (const char* name : {"plugin_full", "plugin_v020", "plugin_guard", "plugin_malicious"}) {
    auto info = ModuleInfo::parse(fixture(std::string("proxywasm_") + name));
    ASSERT_TRUE(info);
    auto linked = imports.check(*info);
    EXPECT_TRUE(linked) << name << ": " << linked.error().describe();
    EXPECT_TRUE(ProxyWasmVm::detectAbi(*info)) << name;
  }
  auto unknown = ModuleInfo::parse(fixture("unknown_import"));
  ASSERT_TRUE(unknown);
  EXPECT_FALSE(imports.check(*unknown));
}

INSTANTIATE_TEST_SUITE_P(Engines, ProxyWasmVmTest, testing::ValuesIn(allEngineKinds()),
                         test::engineName);

}  // namespace
}  // namespace wasmesh::wasm::proxywasm
