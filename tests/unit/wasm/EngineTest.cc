#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "Fixtures.h"
#include "wasmesh/wasm/RecreatingInstance.h"

namespace wasmesh::wasm {
namespace {

using test::fixture;

// The reactor fixture's host imports: host_add adds, host_read returns the length it could
// read from the guest or -1 when the guest's pointer is bad.
Imports reactorImports() {
  Imports imports;
  imports.add({"env",
               "host_add",
               {{ValueType::i32, ValueType::i32}, {ValueType::i32}},
               [](GuestMemory&, std::span<const Value> args, std::span<Value> results) {
                 results[0] = Value::i32(args[0].asI32() + args[1].asI32());
                 return HostOutcome::ok();
               }});
  imports.add({"env",
               "host_read",
               {{ValueType::i32, ValueType::i32}, {ValueType::i32}},
               [](GuestMemory& memory, std::span<const Value> args, std::span<Value> results) {
                 auto text = memory.readString(args[0].asU32(), args[1].asU32());
                 results[0] = Value::i32(text ? static_cast<std::int32_t>(text->size()) : -1);
                 return HostOutcome::ok();
               }});
  return imports;
}

class EngineTest : public testing::TestWithParam<EngineKind> {
 protected:
  std::shared_ptr<Module> load(const std::string& name, const Limits& limits = {}) {
    auto module = engine_->load(fixture(name), limits);
    EXPECT_TRUE(module) << module.error().describe();
    return module ? *module : nullptr;
  }
  std::shared_ptr<Instance> instantiate(const std::string& name, const Imports& imports = {},
                                        const Limits& limits = {}) {
    auto module = load(name, limits);
    if (!module)
      return nullptr;
    auto instance = module->instantiate(imports);
    EXPECT_TRUE(instance) << instance.error().describe();
    return instance ? *instance : nullptr;
  }

  std::unique_ptr<Engine> engine_ = test::engine(GetParam());
};

TEST_P(EngineTest, CallsExportsThroughHostFunctions) {
  auto instance = instantiate("reactor", reactorImports());
  ASSERT_TRUE(instance);
  ASSERT_TRUE(instance->call("_initialize", {}));
  const std::array args{Value::i32(40), Value::i32(2)};
  auto sum = instance->call("add", args);
  ASSERT_TRUE(sum) << sum.error().describe();
  ASSERT_EQ(sum->size(), 1U);
  EXPECT_EQ((*sum)[0], Value::i32(42));
}

TEST_P(EngineTest, PassesI64AndSeveralResults) {
  auto instance = instantiate("reactor", reactorImports());
  ASSERT_TRUE(instance);
  const std::array args{Value::i64(3'000'000'000), Value::i64(-3)};
  auto product = instance->call("mul64", args);
  ASSERT_TRUE(product) << product.error().describe();
  EXPECT_EQ((*product)[0], Value::i64(-9'000'000'000));

  auto traps = instantiate("traps");
  ASSERT_TRUE(traps);
  const std::array swapArgs{Value::i64(INT64_MIN), Value::f64(2.5)};
  auto swapped = traps->call("swap", swapArgs);
  ASSERT_TRUE(swapped) << swapped.error().describe();
  ASSERT_EQ(swapped->size(), 2U);
  EXPECT_EQ((*swapped)[0], Value::f64(2.5));
  EXPECT_EQ((*swapped)[1], Value::i64(INT64_MIN));
}

TEST_P(EngineTest, HostFunctionsSeeGuestPointersBoundsChecked) {
  auto instance = instantiate("reactor", reactorImports());
  ASSERT_TRUE(instance);
  auto good = instance->call("read_good", {});
  ASSERT_TRUE(good);
  EXPECT_EQ((*good)[0], Value::i32(10));
  auto bad = instance->call("read_bad", {});
  ASSERT_TRUE(bad);
  EXPECT_EQ((*bad)[0], Value::i32(-1));
}

TEST_P(EngineTest, HostCopiesInAndOutOfGuestMemory) {
  auto instance = instantiate("traps");
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->memorySize(), 65536U);
  const std::array<std::uint8_t, 4> bytes{1, 2, 3, 4};
  ASSERT_TRUE(instance->writeMemory(100, bytes));
  const std::array args{Value::i32(100)};
  auto loaded = instance->call("load", args);
  ASSERT_TRUE(loaded);
  EXPECT_EQ((*loaded)[0], Value::i32(0x04030201));
  EXPECT_FALSE(instance->writeMemory(65534, bytes));
  EXPECT_FALSE(instance->readMemory(65535, 2));
  auto read = instance->readMemory(100, 4);
  ASSERT_TRUE(read);
  EXPECT_EQ((*read)[3], 4);
}

TEST_P(EngineTest, MalformedAndInvalidModulesAreRefused) {
  auto truncated = fixture("hello");
  truncated.resize(truncated.size() / 2);
  auto malformed = engine_->load(truncated, {});
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().code, errc::wasm_malformed_module);

  // A well-formed module whose function returns nothing where it promises an i32.
  const std::vector<std::uint8_t> invalid{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
                                          0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7f,  // type
                                          0x03, 0x02, 0x01, 0x00,                    // func
                                          0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};       // code
  auto rejected = engine_->load(invalid, {});
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, errc::wasm_invalid_module);
}

TEST_P(EngineTest, UnknownImportIsALinkErrorNamingIt) {
  auto module = load("reactor");
  ASSERT_TRUE(module);
  auto instance = module->instantiate({});
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().code, errc::wasm_link_error);
  EXPECT_NE(instance.error().message.find("env.host_"), std::string::npos);
}

TEST_P(EngineTest, SignatureMismatchIsALinkErrorNamingTheImport) {
  Imports imports = reactorImports();
  imports.add({"env",
               "host_add",
               {{ValueType::i64, ValueType::i32}, {ValueType::i32}},
               [](GuestMemory&, auto, auto) { return HostOutcome::ok(); }});
  auto module = load("reactor");
  ASSERT_TRUE(module);
  auto instance = module->instantiate(imports);
  ASSERT_FALSE(instance);
  EXPECT_EQ(instance.error().code, errc::wasm_link_error);
  EXPECT_EQ(instance.error().message,
            "import env.host_add has signature (i32, i32) -> (i32), the host provides (i64, i32) "
            "-> (i32)");
}

struct TrapCase {
  const char* function;
  std::vector<Value> args;
  TrapKind kind;
};

TEST_P(EngineTest, TrapsReportTheirKindAndFunction) {
  const std::vector<TrapCase> cases{
      {"crash", {}, TrapKind::unreachable},
      {"recurse", {}, TrapKind::call_stack_exhausted},
      {"indirect", {}, TrapKind::call_stack_exhausted},
      {"divide", {Value::i32(1), Value::i32(0)}, TrapKind::integer_divide_by_zero},
      {"divide", {Value::i32(INT32_MIN), Value::i32(-1)}, TrapKind::integer_overflow},
      {"load", {Value::i32(65534)}, TrapKind::memory_out_of_bounds},
  };
  auto module = load("traps");
  ASSERT_TRUE(module);
  for (const auto& trap : cases) {
    auto instance = module->instantiate({});
    ASSERT_TRUE(instance);
    auto result = (*instance)->call(trap.function, trap.args);
    ASSERT_FALSE(result) << trap.function;
    EXPECT_EQ(result.error().code, errc::wasm_trap) << trap.function;
    EXPECT_EQ(result.error().trap, trap.kind) << trap.function << ": " << result.error().message;
    EXPECT_NE(result.error().function.find(trap.function), std::string::npos)
        << result.error().function;
  }
}

TEST_P(EngineTest, ATrapNamesTheFunctionItHappenedInNotTheExport) {
  auto instance = instantiate("traps");
  ASSERT_TRUE(instance);
  auto result = instance->call("deep", {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().trap, TrapKind::integer_divide_by_zero);
  EXPECT_EQ(result.error().function, "helper") << result.error().describe();
}

TEST_P(EngineTest, ATrappedInstanceStaysFailed) {
  auto instance = instantiate("traps");
  ASSERT_TRUE(instance);
  ASSERT_FALSE(instance->call("crash", {}));
  ASSERT_TRUE(instance->failure());
  auto next = instance->call("pages", {});
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().trap, TrapKind::unreachable);
}

TEST_P(EngineTest, RecreatingInstanceStartsAfreshAfterATrapAndCountsIt) {
  RecreatingInstance recreating(load("traps"), {});
  const std::array grow{Value::i32(1)};
  ASSERT_TRUE(recreating.call("grow", grow));
  auto pages = recreating.call("pages", {});
  ASSERT_TRUE(pages);
  EXPECT_EQ((*pages)[0], Value::i32(2));
  EXPECT_FALSE(recreating.call("crash", {}));
  pages = recreating.call("pages", {});
  ASSERT_TRUE(pages) << pages.error().describe();
  EXPECT_EQ((*pages)[0], Value::i32(1));  // a new instance: the grown memory is gone
  EXPECT_EQ(recreating.counters().traps, 1U);
  EXPECT_EQ(recreating.counters().instantiations, 2U);
}

// Resident memory of this process in KiB, from /proc/self/status.
std::uint64_t residentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stoull(line.substr(6));
  }
  return 0;
}

// A proxy recreates instances after traps for as long as it runs: a discarded instance must
// give its linear memory back. big_memory has 16 MiB, all written here, so keeping 100 of them
// would add 1.6 GiB.
TEST_P(EngineTest, DiscardedInstancesGiveTheirMemoryBack) {
  auto module = load("big_memory");
  ASSERT_TRUE(module);
  ASSERT_TRUE(module->instantiate({}));
  const std::vector<std::uint8_t> fill(std::size_t{16} * 1024 * 1024, 0x5a);
  const std::uint64_t before = residentKiB();
  for (int i = 0; i < 100; ++i) {
    auto instance = module->instantiate({});
    ASSERT_TRUE(instance) << instance.error().describe();
    ASSERT_TRUE((*instance)->writeMemory(0, fill));
  }
  EXPECT_LT(residentKiB(), before + std::uint64_t{256} * 1024);
}

TEST_P(EngineTest, BadCallsFailCleanly) {
  auto instance = instantiate("traps");
  ASSERT_TRUE(instance);
  auto missing = instance->call("no_such_export", {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::wasm_bad_call);
  EXPECT_FALSE(instance->failure());
  auto global = instance->global("no_such_global");
  EXPECT_FALSE(global);
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineTest, testing::ValuesIn(allEngineKinds()),
                         test::engineName);

}  // namespace
}  // namespace wasmesh::wasm
