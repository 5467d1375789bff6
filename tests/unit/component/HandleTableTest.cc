#include <gtest/gtest.h>

#include "AbiTestSupport.h"
#include "FlatCodec.h"
#include "wasmesh/wasm/component/CanonicalAbi.h"

namespace wasmesh::wasm::component {
namespace {

using test::TypeBuilder;

// run_tests.py's test_handles: owned and borrowed handles through a lifted call, a host import
// borrowing two of them and returning a new one, resource.rep/new/drop, and the table's slots
// afterwards (index 0 never used, freed slots reused last in, first out).
TEST(HandleTableTest, TheReferenceImplementationsHandleScenario) {
  TypeBuilder b;
  constexpr std::uint32_t kInstance = 0;
  // rt belongs to another instance (usable in imports and exports); rt2 to this one.
  const ResourceId rt = b.table.addResource({"rt", false, 0, true, 7, std::nullopt});
  const ResourceId rt2 = b.table.addResource({"rt2", false, 0, true, kInstance, std::nullopt});
  const TypeId ownRt = b.own(rt);
  const TypeId borrowRt = b.borrow(rt);
  const TypeId borrowRt2 = b.borrow(rt2);
  HandleTable table;

  // The host calls the lifted export with own(42), own(43), borrow(44), borrow(13).
  const FuncType exported{
      {"a", "b", "c", "d"}, {ownRt, ownRt, borrowRt, borrowRt2}, b.tuple({ownRt, ownRt, ownRt})};
  CallState liftCall{{}, 0, 1};
  AbiContext enter(b.table);
  enter.handles = &table;
  enter.instance = kInstance;
  enter.call = &liftCall;
  const std::vector<Val> arguments{Val::own(42), Val::own(43), Val::borrow(44), Val::borrow(13)};
  auto core = CanonicalAbi::lowerArguments(enter, exported, arguments);
  ASSERT_TRUE(core) << core.error().describe();
  ASSERT_EQ(core->size(), 4U);
  EXPECT_EQ((*core)[0].asI32(), 1);
  EXPECT_EQ((*core)[1].asI32(), 2);
  EXPECT_EQ((*core)[2].asI32(), 3);
  EXPECT_EQ((*core)[3].asI32(), 13);  // its own resource: the representation itself
  EXPECT_EQ(table.slots(), 4U);
  EXPECT_FALSE(table.occupied(0));
  EXPECT_EQ(*table.rep(rt, 1), 42U);
  EXPECT_EQ(*table.rep(rt, 2), 43U);
  EXPECT_EQ(*table.rep(rt, 3), 44U);
  EXPECT_EQ(liftCall.borrows, 1U);

  // The guest calls a host import borrowing handles 1 and 3; the host returns own(45).
  const FuncType imported{{"x", "y"}, {borrowRt, borrowRt}, ownRt};
  CallState lowerCall{{}, 0, 2};
  AbiContext callOut(b.table);
  callOut.handles = &table;
  callOut.instance = kInstance;
  callOut.call = &lowerCall;
  const std::vector<Value> outArguments{Value::i32(1), Value::i32(3)};
  auto hostArguments = CanonicalAbi::liftArguments(callOut, imported, outArguments);
  ASSERT_TRUE(hostArguments) << hostArguments.error().describe();
  EXPECT_EQ((*hostArguments)[0], Val::borrow(42));
  EXPECT_EQ((*hostArguments)[1], Val::borrow(44));
  EXPECT_EQ((*table.get(1))->lends, 1U);
  EXPECT_FALSE(table.drop(rt, 1)) << "an owned handle lent out cannot be dropped";
  std::vector<Value> results(1);
  ASSERT_TRUE(CanonicalAbi::lowerResult(callOut, imported, Val::own(45), outArguments, results));
  table.endLends(lowerCall.lenders);
  EXPECT_EQ(results[0].asI32(), 4);
  EXPECT_EQ(*table.rep(rt, 4), 45U);
  EXPECT_EQ((*table.get(1))->lends, 0U);

  // resource.drop of owned handle 1: its destructor gets 42.
  auto dropped = table.drop(rt, 1);
  ASSERT_TRUE(dropped);
  EXPECT_TRUE(dropped->own);
  EXPECT_EQ(dropped->rep, 42U);
  EXPECT_EQ(table.slots(), 5U);
  EXPECT_FALSE(table.occupied(1));
  EXPECT_EQ(table.freeSlots(), 1U);

  // resource.new reuses the freed slot.
  auto created = table.add({rt, 46, true, 0, 0});
  ASSERT_TRUE(created);
  EXPECT_EQ(*created, 1U);
  EXPECT_EQ(table.freeSlots(), 0U);

  // resource.drop of borrowed handle 3: no destructor, the loan ends.
  dropped = table.drop(rt, 3);
  ASSERT_TRUE(dropped);
  EXPECT_FALSE(dropped->own);
  EXPECT_EQ(dropped->scope, 1U);
  --liftCall.borrows;
  EXPECT_EQ(table.freeSlots(), 1U);

  // The export returns handles 1, 2 and 4, moving them out of the table.
  const std::vector<Value> returned{Value::i32(1), Value::i32(2), Value::i32(4)};
  FlatCodec::Reader in(returned);
  auto result = FlatCodec::lift(enter, in, *exported.result);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(*result, Val::tuple({Val::own(46), Val::own(43), Val::own(45)}));
  EXPECT_EQ(table.slots(), 5U);
  for (std::uint32_t i = 0; i < 5; ++i)
    EXPECT_FALSE(table.occupied(i)) << i;
  EXPECT_EQ(table.freeSlots(), 4U);
  EXPECT_EQ(liftCall.borrows, 0U);
}

TEST(HandleTableTest, RefusesWhatTheGuestMayNotDo) {
  TypeBuilder b;
  const ResourceId rt = b.table.addResource({"rt", true, 0, true, 0, std::nullopt});
  const ResourceId other = b.table.addResource({"other", true, 1, true, 0, std::nullopt});
  HandleTable table;
  EXPECT_FALSE(table.get(0)) << "index 0 is never a handle";
  const auto h = *table.add({rt, 5, true, 0, 0});
  EXPECT_FALSE(table.drop(other, h)) << "wrong resource type";
  ASSERT_TRUE(table.drop(rt, h));
  auto twice = table.drop(rt, h);
  ASSERT_FALSE(twice) << "dropped twice";
  EXPECT_EQ(twice.error().describe(),
            "trap: canonical ABI violation (drop of handle 1, which does not exist)");

  // An own parameter must be an owned handle of the right type.
  const TypeId ownRt = b.own(rt);
  AbiContext cx(b.table);
  cx.handles = &table;
  const auto borrowed = *table.add({rt, 6, false, 0, 0});
  const std::vector<Value> core{Value::i32(static_cast<std::int32_t>(borrowed))};
  FlatCodec::Reader in(core);
  EXPECT_FALSE(FlatCodec::lift(cx, in, ownRt));

  HandleTable small(2);
  ASSERT_TRUE(small.add({rt, 1, true, 0, 0}));
  ASSERT_TRUE(small.add({rt, 2, true, 0, 0}));
  auto full = small.add({rt, 3, true, 0, 0});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().describe(),
            "trap: canonical ABI violation (handle table full (2 handles))");
}

}  // namespace
}  // namespace wasmesh::wasm::component
