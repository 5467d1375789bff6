#include <gtest/gtest.h>

#include <array>

#include "Fixtures.h"

namespace wasmesh::wasm {
namespace {

using test::fixture;

// The engine interface's linking of one instance's exports into another (issue 13): what a
// component's core instances need, on both engines.
class LinkingTest : public testing::TestWithParam<EngineKind> {
 protected:
  std::shared_ptr<Instance> provider() {
    auto module = engine_->load(fixture("link_provider"), {});
    EXPECT_TRUE(module) << module.error().describe();
    Imports imports;
    imports.add({"host",
                 "exit",
                 {{ValueType::i32}, {}},
                 [](GuestMemory&, std::span<const Value> args, std::span<Value>) {
                   return HostOutcome::exit(args[0].asI32());
                 }});
    auto instance = (*module)->instantiate(imports);
    EXPECT_TRUE(instance) << instance.error().describe();
    return instance ? *instance : nullptr;
  }

  static Imports consumerImports(const std::shared_ptr<Instance>& provider) {
    Imports imports;
    imports.add(InstanceExport{"p", "mem", provider, "shared_memory", ExternKind::memory});
    imports.add(InstanceExport{"p", "tab", provider, "shared_table", ExternKind::table});
    imports.add(InstanceExport{"p", "glob", provider, "counter", ExternKind::global});
    imports.add(InstanceExport{"p", "twice", provider, "double", ExternKind::function});
    return imports;
  }

  WasmResult<std::shared_ptr<Instance>> consumer(const Imports& imports) {
    auto module = engine_->load(fixture("link_consumer"), {});
    EXPECT_TRUE(module) << module.error().describe();
    return (*module)->instantiate(imports);
  }

  static std::int32_t callI32(Instance& instance, std::string_view name,
                              std::span<const Value> args = {}) {
    auto result = instance.call(name, args);
    EXPECT_TRUE(result) << name << ": " << result.error().describe();
    return result && !result->empty() ? (*result)[0].asI32() : -1;
  }

  std::unique_ptr<Engine> engine_ = test::engine(GetParam());
};

TEST_P(LinkingTest, SharesMemoryTableGlobalAndFunctions) {
  auto owner = provider();
  ASSERT_TRUE(owner);
  auto user = consumer(consumerImports(owner));
  ASSERT_TRUE(user) << user.error().describe();

  const std::array store{Value::i32(64), Value::i32(1234)};
  ASSERT_TRUE(owner->call("store", store));
  const std::array at{Value::i32(64)};
  EXPECT_EQ(callI32(**user, "load", at), 1234);

  const std::array seven{Value::i32(7)};
  EXPECT_EQ(callI32(**user, "via_table", seven), 14);
  EXPECT_EQ(callI32(**user, "call", seven), 14);

  EXPECT_EQ(callI32(**user, "global"), 41);
  ASSERT_TRUE(owner->call("bump", {}));
  EXPECT_EQ(callI32(**user, "global"), 42);
}

TEST_P(LinkingTest, ExportedMemoryIsAViewOfTheNamedMemory) {
  auto owner = provider();
  ASSERT_TRUE(owner);
  const std::array store{Value::i32(8), Value::i32(0x01020304)};
  ASSERT_TRUE(owner->call("store", store));
  auto view = owner->exportedMemory("shared_memory");
  ASSERT_TRUE(view) << view.error().describe();
  EXPECT_EQ(view->size(), kWasmPageBytes);
  EXPECT_EQ(view->readU32(8), 0x01020304U);
  EXPECT_FALSE(view->readU32(kWasmPageBytes - 2));
  auto missing = owner->exportedMemory("double");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().describe(),
            "no such WebAssembly export or wrong arguments: no exported memory double");
}

// The provider imported the host function; the consumer reaches it through the shared table.
// Its exit must end the consumer's call with the exit code, not an anonymous trap.
TEST_P(LinkingTest, AHostFunctionsOutcomeReachesTheCallThatFailed) {
  auto owner = provider();
  ASSERT_TRUE(owner);
  auto user = consumer(consumerImports(owner));
  ASSERT_TRUE(user) << user.error().describe();
  const std::array code{Value::i32(7)};
  auto result = (*user)->call("exit_via_table", code);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, errc::wasm_exit);
  EXPECT_EQ(result.error().exitCode, 7);
}

TEST_P(LinkingTest, TheConsumerKeepsItsProviderAlive) {
  auto owner = provider();
  ASSERT_TRUE(owner);
  auto user = consumer(consumerImports(owner));
  ASSERT_TRUE(user) << user.error().describe();
  const std::array store{Value::i32(16), Value::i32(99)};
  ASSERT_TRUE(owner->call("store", store));
  owner.reset();
  const std::array at{Value::i32(16)};
  EXPECT_EQ(callI32(**user, "load", at), 99);
  const std::array seven{Value::i32(7)};
  EXPECT_EQ(callI32(**user, "call", seven), 14);
}

TEST_P(LinkingTest, RefusesAnExportOfAnotherKindOrName) {
  auto owner = provider();
  ASSERT_TRUE(owner);
  Imports wrongKind = consumerImports(owner);
  wrongKind.add(InstanceExport{"p", "mem", owner, "double", ExternKind::function});
  auto refused = consumer(wrongKind);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().describe(),
            "link: import p.mem is a memory, the instance export double is a func");

  Imports wrongName = consumerImports(owner);
  wrongName.add(InstanceExport{"p", "twice", owner, "triple", ExternKind::function});
  refused = consumer(wrongName);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().describe(), "link: import p.twice: no export triple to import");

  // A memory where the import wants a function: the engine's own link check.
  Imports wrongType = consumerImports(owner);
  wrongType.add(InstanceExport{"p", "twice", owner, "bump", ExternKind::function});
  refused = consumer(wrongType);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, errc::wasm_link_error) << refused.error().describe();
}

INSTANTIATE_TEST_SUITE_P(Engines, LinkingTest, testing::ValuesIn(allEngineKinds()),
                         test::engineName);

}  // namespace
}  // namespace wasmesh::wasm
