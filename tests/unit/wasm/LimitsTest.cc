#include <gtest/gtest.h>

#include <thread>

#include "Fixtures.h"
#include "wasmesh/wasm/RecreatingInstance.h"

namespace wasmesh::wasm {
namespace {

using std::chrono_literals::operator""ms;
using test::fixture;

class LimitsTest : public testing::TestWithParam<EngineKind> {
 protected:
  std::shared_ptr<Module> load(const std::string& name, const Limits& limits) {
    auto module = engine_->load(fixture(name), limits);
    EXPECT_TRUE(module) << module.error().describe();
    return module ? *module : nullptr;
  }

  std::unique_ptr<Engine> engine_ = test::engine(GetParam());
};

TEST_P(LimitsTest, AnEndlessLoopIsStoppedByTheCpuLimit) {
  Limits limits;
  limits.cpuTimePerCall = 200ms;
  RecreatingInstance recreating(load("traps", limits), {});
  const auto started = std::chrono::steady_clock::now();
  auto result = recreating.call("spin", {});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, errc::wasm_cpu_limit);
  EXPECT_EQ(result.error().describe(), "limit: timeout after 200ms");
  EXPECT_GE(took, 200ms);
  EXPECT_EQ(recreating.counters().cpuLimits, 1U);
  // The engine and a fresh instance work afterwards.
  auto pages = recreating.call("pages", {});
  ASSERT_TRUE(pages) << pages.error().describe();
  EXPECT_EQ((*pages)[0], Value::i32(1));
}

TEST_P(LimitsTest, AnEndlessStartFunctionIsStoppedByTheCpuLimit) {
  Limits limits;
  limits.cpuTimePerCall = 200ms;
  auto module = load("start_spin", limits);
  ASSERT_TRUE(module);
  auto instance = module->instantiate({});
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().describe(), "limit: timeout after 200ms");
}

TEST_P(LimitsTest, ATrappingStartFunctionFailsInstantiation) {
  auto module = load("start_trap", {});
  ASSERT_TRUE(module);
  auto instance = module->instantiate({});
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().code, errc::wasm_instantiation_failed);
  EXPECT_EQ(instance.error().trap, TrapKind::unreachable);
  EXPECT_EQ(instance.error().function, "crash");  // the start function's own name
}

TEST_P(LimitsTest, AFastCallIsNotDisturbedByTheCpuLimit) {
  Limits limits;
  limits.cpuTimePerCall = 1000ms;
  RecreatingInstance recreating(load("traps", limits), {});
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(recreating.call("pages", {}));
  EXPECT_EQ(recreating.counters().instantiations, 1U);
}

// The V8 watchdog is not woken for every call: after short calls it sleeps towards a deadline
// that is gone, and after that one it sleeps until notified. A runaway call must be stopped
// from both states.
TEST_P(LimitsTest, AnEndlessLoopAfterManyShortCallsIsStillStopped) {
  Limits limits;
  limits.cpuTimePerCall = 200ms;
  RecreatingInstance recreating(load("traps", limits), {});
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(recreating.call("pages", {}));
  auto spun = recreating.call("spin", {});
  ASSERT_FALSE(spun);
  EXPECT_EQ(spun.error().describe(), "limit: timeout after 200ms");

  ASSERT_TRUE(recreating.call("pages", {}));
  std::this_thread::sleep_for(300ms);  // past that call's deadline: the watchdog idles
  auto spunAgain = recreating.call("spin", {});
  ASSERT_FALSE(spunAgain);
  EXPECT_EQ(spunAgain.error().describe(), "limit: timeout after 200ms");
  EXPECT_EQ(recreating.counters().cpuLimits, 2U);
}

TEST_P(LimitsTest, MemoryGrowthStopsAtTheCap) {
  Limits limits;
  limits.maxMemoryBytes = std::uint64_t{3} * 65536;
  auto module = load("traps", limits);
  ASSERT_TRUE(module);
  auto instance = module->instantiate({});
  ASSERT_TRUE(instance);
  const std::array one{Value::i32(1)};
  const std::array two{Value::i32(2)};
  EXPECT_EQ((*(*instance)->call("grow", two))[0], Value::i32(1));   // 1 -> 3 pages
  EXPECT_EQ((*(*instance)->call("grow", one))[0], Value::i32(-1));  // 4 > cap: refused
  EXPECT_FALSE((*instance)->failure());
  EXPECT_EQ((*instance)->memorySize(), std::uint64_t{3} * 65536);
}

TEST_P(LimitsTest, AModuleStartingAboveTheMemoryCapDoesNotLoad) {
  Limits limits;
  limits.maxMemoryBytes = std::uint64_t{1} << 20;
  auto module = engine_->load(fixture("big_memory"), limits);
  ASSERT_FALSE(module);
  EXPECT_EQ(module.error().code, errc::wasm_memory_limit);
}

TEST_P(LimitsTest, UnboundedRecursionEndsInStackExhaustionWithASmallStack) {
  Limits limits;
  limits.maxStackBytes = std::uint64_t{64} * 1024;
  auto module = load("traps", limits);
  ASSERT_TRUE(module);
  for (int round = 0; round < 3; ++round) {
    auto instance = module->instantiate({});
    ASSERT_TRUE(instance);
    auto result = (*instance)->call("recurse", {});
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().trap, TrapKind::call_stack_exhausted);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, LimitsTest, testing::ValuesIn(allEngineKinds()),
                         test::engineName);

// wabt alone counts instructions; V8 has only the CPU time limit.
TEST(WabtLimitsTest, TheInstructionBudgetIsExact) {
  auto engine = test::engine(EngineKind::wabt);
  Limits limits;
  limits.instructionBudget = 1000;
  auto module = engine->load(fixture("traps"), limits);
  ASSERT_TRUE(module);
  auto instance = (*module)->instantiate({});
  ASSERT_TRUE(instance);
  ASSERT_TRUE((*instance)->call("pages", {}));
  auto result = (*instance)->call("spin", {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, errc::wasm_cpu_limit);
  EXPECT_EQ(result.error().describe(), "limit: instruction budget of 1000 used up");
}

}  // namespace
}  // namespace wasmesh::wasm
