#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "wasmesh/wasm/proxywasm/SharedDataStore.h"

namespace wasmesh::wasm::proxywasm {
namespace {

TEST(SharedDataStoreTest, CompareAndSwap) {
  SharedDataStore store;
  EXPECT_FALSE(store.get("k"));
  EXPECT_EQ(store.set("k", "1", 0), Status::ok);
  auto first = store.get("k");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->value, "1");
  EXPECT_NE(first->cas, 0U);
  EXPECT_EQ(store.set("k", "2", first->cas), Status::ok);
  EXPECT_EQ(store.set("k", "3", first->cas), Status::cas_mismatch);
  EXPECT_EQ(store.get("k")->value, "2");
  EXPECT_EQ(store.set("k", "4", 0), Status::ok);  // no CAS: unconditional
  EXPECT_EQ(store.get("k")->value, "4");
}

TEST(SharedDataStoreTest, Bounds) {
  SharedDataStore store;
  EXPECT_EQ(store.set(std::string(SharedDataStore::kMaxKeyBytes + 1, 'k'), "v", 0),
            Status::bad_argument);
  EXPECT_EQ(store.set("k", std::string(SharedDataStore::kMaxValueBytes + 1, 'v'), 0),
            Status::bad_argument);
  for (std::size_t i = 0; i < SharedDataStore::kMaxEntries; ++i)
    ASSERT_EQ(store.set(std::to_string(i), "", 0), Status::ok);
  EXPECT_EQ(store.set("one more", "", 0), Status::bad_argument);
  EXPECT_EQ(store.set("0", "existing keys still change", 0), Status::ok);
}

// Four threads each add 1000 through a CAS loop: no update is lost.
TEST(SharedDataStoreTest, CasLoopsFromManyThreadsLoseNothing) {
  SharedDataStore store;
  ASSERT_EQ(store.set("n", "0", 0), Status::ok);
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store] {
      for (int i = 0; i < 1000; ++i) {
        for (;;) {
          auto entry = store.get("n");
          const auto next = std::to_string(std::stoi(entry->value) + 1);
          if (store.set("n", next, entry->cas) == Status::ok)
            break;
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(store.get("n")->value, "4000");
}

}  // namespace
}  // namespace wasmesh::wasm::proxywasm
