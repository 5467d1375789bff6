#include <gtest/gtest.h>

#include "wasmesh/proxy/BufferPool.h"

namespace wasmesh::proxy {
namespace {

TEST(BufferPoolTest, ReturnedBuffersAreReused) {
  BufferPool pool(1024, 4);
  const std::uint8_t* first = nullptr;
  {
    auto lease = pool.acquire();
    first = lease.data();
    EXPECT_EQ(pool.idleCount(), 0U);
  }
  EXPECT_EQ(pool.idleCount(), 1U);
  auto again = pool.acquire();
  EXPECT_EQ(again.data(), first);
}

TEST(BufferPoolTest, KeepsAtMostMaxIdle) {
  BufferPool pool(64, 2);
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    auto c = pool.acquire();
  }
  EXPECT_EQ(pool.idleCount(), 2U);
}

TEST(BufferPoolTest, ExplicitReleaseEmptiesTheLease) {
  BufferPool pool(64, 2);
  auto lease = pool.acquire();
  lease.release();
  EXPECT_FALSE(lease);
  EXPECT_EQ(pool.idleCount(), 1U);
}

}  // namespace
}  // namespace wasmesh::proxy
