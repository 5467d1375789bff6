#include <gtest/gtest.h>

#include <random>

#include "Fixtures.h"
#include "wasmesh/wasm/ModuleInfo.h"

namespace wasmesh::wasm {
namespace {

using test::fixture;

TEST(ModuleInfoTest, DecodesImportsExportsAndMemories) {
  auto info = ModuleInfo::parse(fixture("traps"));
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_TRUE(info->imports.empty());
  ASSERT_EQ(info->memories.size(), 1U);
  EXPECT_EQ(info->memories[0].minPages, 1U);
  EXPECT_EQ(info->memories[0].maxPages, 4U);
  const ExportDesc* divide = info->findExport("divide");
  ASSERT_NE(divide, nullptr);
  EXPECT_EQ(toString(divide->functionType), "(i32, i32) -> (i32)");
  const ExportDesc* swap = info->findExport("swap");
  ASSERT_NE(swap, nullptr);
  EXPECT_EQ(toString(swap->functionType), "(i64, f64) -> (f64, i64)");
  EXPECT_EQ(info->findExport("memory")->kind, ExternKind::memory);
}

TEST(ModuleInfoTest, DecodesFunctionNamesFromTheNameSection) {
  // traps.wat is built with --debug-names; its functions are named in order.
  auto info = ModuleInfo::parse(fixture("traps"));
  ASSERT_TRUE(info);
  ASSERT_TRUE(info->functionNames.contains(0));
  EXPECT_EQ(info->functionNames.at(0), "crash");
  EXPECT_EQ(info->functionNames.at(1), "recurse");
}

TEST(ModuleInfoTest, DecodesTypedImports) {
  auto info = ModuleInfo::parse(fixture("reactor"));
  ASSERT_TRUE(info) << info.error().describe();
  bool found = false;
  for (const auto& import : info->imports) {
    if (import.module == "env" && import.name == "host_add") {
      found = true;
      EXPECT_EQ(toString(import.functionType), "(i32, i32) -> (i32)");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_NE(info->findExport("_initialize"), nullptr);
}

TEST(ModuleInfoTest, RejectsWhatIsNotAModule) {
  for (std::vector<std::uint8_t> bytes :
       {std::vector<std::uint8_t>{}, std::vector<std::uint8_t>{0x00, 0x61, 0x73},
        std::vector<std::uint8_t>{'\x7f', 'E', 'L', 'F', 1, 0, 0, 0},
        std::vector<std::uint8_t>{0, 0x61, 0x73, 0x6d, 2, 0, 0, 0}}) {
    auto info = ModuleInfo::parse(bytes);
    ASSERT_FALSE(info);
    EXPECT_EQ(info.error().code, errc::wasm_malformed_module);
  }
}

TEST(ModuleInfoTest, EveryTruncationIsDecodedSafelyAndCutSectionsAreMalformed) {
  const auto bytes = fixture("hello");
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    auto info = ModuleInfo::parse(std::span(bytes.data(), length));
    (void)info;  // either answer is fine at a section boundary; no crash is the point
  }
  auto cut = ModuleInfo::parse(std::span(bytes.data(), bytes.size() - 1));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, errc::wasm_malformed_module);
}

TEST(ModuleInfoTest, CorruptedBytesNeverCrashTheDecoder) {
  const auto original = fixture("reactor");
  std::mt19937 random(5);  // fixed seed: the same corruptions every run
  for (int round = 0; round < 2000; ++round) {
    auto bytes = original;
    for (int flips = 0; flips < 4; ++flips)
      bytes[8 + random() % (bytes.size() - 8)] = static_cast<std::uint8_t>(random());
    (void)ModuleInfo::parse(bytes);
    (void)capMemory(bytes, 2);
  }
}

TEST(ModuleInfoTest, CapMemoryLowersTheMaximum) {
  auto capped = capMemory(fixture("traps"), 2);
  ASSERT_TRUE(capped) << capped.error().describe();
  auto info = ModuleInfo::parse(*capped);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->memories[0].minPages, 1U);
  EXPECT_EQ(info->memories[0].maxPages, 2U);
  EXPECT_NE(info->findExport("divide"), nullptr);
}

TEST(ModuleInfoTest, CapMemoryAddsAMaximumWhereThereIsNone) {
  auto capped = capMemory(fixture("big_memory"), 300);
  ASSERT_TRUE(capped);
  auto info = ModuleInfo::parse(*capped);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->memories[0].maxPages, 300U);
}

TEST(ModuleInfoTest, CapMemoryRefusesAModuleThatStartsAboveTheCap) {
  auto capped = capMemory(fixture("big_memory"), 16);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().code, errc::wasm_memory_limit);
  EXPECT_NE(capped.error().describe().find("limit: memory"), std::string::npos);
}

}  // namespace
}  // namespace wasmesh::wasm
