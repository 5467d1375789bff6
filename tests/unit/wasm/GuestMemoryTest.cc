#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "wasmesh/wasm/GuestMemory.h"

namespace wasmesh::wasm {
namespace {

TEST(GuestMemoryTest, AccessInsideSucceeds) {
  std::array<std::uint8_t, 16> bytes{};
  GuestMemory memory(bytes);
  EXPECT_TRUE(memory.writeU32(12, 0x04030201U));
  EXPECT_EQ(bytes[12], 1);
  EXPECT_EQ(bytes[15], 4);
  EXPECT_EQ(memory.readU32(12), 0x04030201U);
  EXPECT_EQ(memory.readString(12, 4), std::string("\x01\x02\x03\x04"));
  EXPECT_TRUE(memory.contains(16, 0));
}

TEST(GuestMemoryTest, AccessCrossingTheEndFailsAndTouchesNothing) {
  std::array<std::uint8_t, 16> bytes{};
  GuestMemory memory(bytes);
  EXPECT_FALSE(memory.writeU32(13, 0xffffffffU));
  EXPECT_FALSE(memory.writeU64(9, 1));
  EXPECT_FALSE(memory.readU32(14).has_value());
  EXPECT_FALSE(memory.readString(0, 17).has_value());
  EXPECT_FALSE(memory.fill(8, 9, 1));
  for (auto byte : bytes)
    EXPECT_EQ(byte, 0);
}

TEST(GuestMemoryTest, OffsetsThatWouldWrapAroundAreRejected) {
  std::array<std::uint8_t, 16> bytes{};
  GuestMemory memory(bytes);
  EXPECT_FALSE(memory.contains(UINT64_MAX, 2));
  EXPECT_FALSE(memory.contains(8, UINT64_MAX - 4));
  EXPECT_FALSE(memory.readString(UINT64_MAX - 1, 4).has_value());
}

TEST(GuestMemoryTest, NoMemoryRefusesEverything) {
  GuestMemory memory;
  EXPECT_EQ(memory.size(), 0U);
  EXPECT_FALSE(memory.writeU8(0, 1));
  EXPECT_TRUE(memory.contains(0, 0));
}

}  // namespace
}  // namespace wasmesh::wasm
