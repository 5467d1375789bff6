// The canonical ABI's cases from the component model's reference implementation
// (design/mvp/canonical-abi/run_tests.py, synchronous part), rewritten against wasmesh's
// CanonicalAbi, FlatCodec and MemoryCodec: lift from core values or memory, lower again into a
// fresh heap through its realloc, lift once more and compare.
#include <gtest/gtest.h>

#include <cstring>

#include "AbiTestSupport.h"
#include "FlatCodec.h"
#include "MemoryCodec.h"
#include "wasmesh/wasm/component/CanonicalAbi.h"

namespace wasmesh::wasm::component {
namespace {

using test::Heap;
using test::Number;
using test::TypeBuilder;
using P = PrimitiveType;

Val tup(std::vector<Val> items) {
  return Val::tuple(std::move(items));
}

class CanonicalAbiTest : public testing::Test {
 protected:
  // run_tests.py's test(): lift `numbers` as `type`, expect `expected` (nothing: a trap), then
  // lower into a fresh heap (as `lowerType`, in `target` encoding) and lift that again.
  void roundTrip(TypeId type, std::vector<Number> numbers, std::optional<Val> expected,
                 Heap* source = nullptr, StringEncoding encoding = StringEncoding::utf8,
                 std::optional<StringEncoding> target = std::nullopt,
                 std::optional<TypeId> lowerType = std::nullopt,
                 std::optional<Val> lowerExpected = std::nullopt) {
    Heap empty(0);
    AbiContext cx(b.table);
    cx.encoding = encoding;
    cx.memory = source != nullptr ? source : &empty;
    const auto core = test::coreValues(b.table, type, numbers);
    FlatCodec::Reader in(core);
    auto lifted = FlatCodec::lift(cx, in, type);
    if (!expected) {
      ASSERT_FALSE(lifted) << "expected a trap, got " << toString(*lifted);
      EXPECT_EQ(lifted.error().trap, TrapKind::canonical_abi);
      return;
    }
    ASSERT_TRUE(lifted) << lifted.error().describe();
    EXPECT_TRUE(in.done());
    EXPECT_EQ(*lifted, *expected) << toString(*lifted) << " != " << toString(*expected);

    const TypeId relowered = lowerType.value_or(type);
    // The reference sizes this heap for its own realloc pattern, which depends on the source
    // encoding; wasmesh's host strings are always UTF-8, so its pattern differs a little.
    Heap heap(5 * (source != nullptr ? source->memory.size() : 0) + 16);
    AbiContext lower(b.table);
    lower.encoding = target.value_or(encoding);
    lower.memory = &heap;
    std::vector<Value> flat;
    auto stored = FlatCodec::lower(lower, *lifted, relowered, flat);
    ASSERT_TRUE(stored) << stored.error().describe() << " lowering " << toString(*lifted);
    std::vector<ValueType> want;
    b.table.flatten(relowered, want);
    ASSERT_EQ(flat.size(), want.size());
    for (std::size_t i = 0; i < flat.size(); ++i)
      EXPECT_EQ(flat[i].type, want[i]);
    FlatCodec::Reader again(flat);
    auto relifted = FlatCodec::lift(lower, again, relowered);
    ASSERT_TRUE(relifted) << relifted.error().describe();
    const Val& wanted = lowerExpected ? *lowerExpected : *expected;
    EXPECT_EQ(*relifted, wanted) << toString(*relifted) << " != " << toString(wanted);
  }

  void pairs(TypeId type, std::vector<std::pair<std::uint64_t, std::optional<Val>>> cases) {
    for (auto& [in, out] : cases)
      roundTrip(type, {in}, out);
  }

  // run_tests.py's test_heap(): a list lifted from (pointer, length) over these bytes.
  void heapCase(TypeId type, std::optional<Val> expected, std::vector<Number> numbers,
                std::vector<std::uint8_t> bytes) {
    Heap heap(std::move(bytes));
    roundTrip(type, std::move(numbers), std::move(expected), &heap);
  }

  TypeBuilder b;
};

TEST_F(CanonicalAbiTest, RecordsTuplesAndFixedSizeLists) {
  roundTrip(b.record({{"x", b.prim(P::u8)}, {"y", b.prim(P::u16)}, {"z", b.prim(P::u32)}}),
            {1U, 2U, 3U}, Val::record({Val::u8(1), Val::u16(2), Val::u32(3)}));
  roundTrip(b.tuple({b.tuple({b.prim(P::u8), b.prim(P::u8)}), b.prim(P::u8)}), {1U, 2U, 3U},
            tup({tup({Val::u8(1), Val::u8(2)}), Val::u8(3)}));
  roundTrip(b.fixedList(b.prim(P::u8), 3), {1U, 2U, 3U},
            Val::list({Val::u8(1), Val::u8(2), Val::u8(3)}));
  roundTrip(b.fixedList(b.fixedList(b.prim(P::u8), 2), 3), {1U, 2U, 3U, 4U, 5U, 6U},
            Val::list({Val::list({Val::u8(1), Val::u8(2)}), Val::list({Val::u8(3), Val::u8(4)}),
                       Val::list({Val::u8(5), Val::u8(6)})}));
}

TEST_F(CanonicalAbiTest, Flags) {
  const TypeId ab = b.flags({"a", "b"});
  roundTrip(ab, {0U}, Val::flags(0));
  roundTrip(ab, {2U}, Val::flags(2));
  roundTrip(ab, {3U}, Val::flags(3));
  roundTrip(ab, {4U}, Val::flags(0));  // bits beyond the labels are ignored
  roundTrip(b.flags(32), {0xffffffffU}, Val::flags(0xffffffff));
}

TEST_F(CanonicalAbiTest, VariantsOptionsAndResults) {
  const TypeId t = b.variant({{"x", b.prim(P::u8)}, {"y", b.prim(P::f32)}, {"z", std::nullopt}});
  roundTrip(t, {0U, 42U}, Val::variant(0, Val::u8(42)));
  roundTrip(t, {0U, 256U}, Val::variant(0, Val::u8(0)));
  roundTrip(t, {1U, 0x4048f5c3U}, Val::variant(1, Val::f32(3.14F)));
  roundTrip(t, {2U, 0xffffffffU}, Val::variant(2));
  const TypeId option = b.option(b.prim(P::f32));
  roundTrip(option, {0U, 3.14}, Val::none());
  roundTrip(option, {1U, 3.14}, Val::some(Val::f32(3.14F)));
  const TypeId result = b.result(b.prim(P::u8), b.prim(P::u32));
  roundTrip(result, {0U, 42U}, Val::ok(Val::u8(42)));
  roundTrip(result, {1U, 1000U}, Val::err(Val::u32(1000)));
  const TypeId wy = b.variant({{"w", b.prim(P::u8)}, {"y", b.prim(P::u8)}});
  roundTrip(wy, {0U, 42U}, Val::variant(0, Val::u8(42)));
  roundTrip(wy, {1U, 42U}, Val::variant(1, Val::u8(42)));
  const TypeId w = b.variant({{"w", b.prim(P::u8)}});
  roundTrip(wy, {0U, 42U}, Val::variant(0, Val::u8(42)), nullptr, StringEncoding::utf8,
            std::nullopt, w, Val::variant(0, Val::u8(42)));
  roundTrip(t, {3U, 0U}, std::nullopt);  // no such case
}

TEST_F(CanonicalAbiTest, Scalars) {
  pairs(b.prim(P::boolean), {{0, Val::boolean(false)},
                             {1, Val::boolean(true)},
                             {2, Val::boolean(true)},
                             {4294967295, Val::boolean(true)}});
  pairs(b.prim(P::u8), {{127, Val::u8(127)},
                        {128, Val::u8(128)},
                        {255, Val::u8(255)},
                        {256, Val::u8(0)},
                        {4294967295, Val::u8(255)},
                        {4294967168, Val::u8(128)},
                        {4294967167, Val::u8(127)}});
  pairs(b.prim(P::s8), {{127, Val::s8(127)},
                        {128, Val::s8(-128)},
                        {255, Val::s8(-1)},
                        {256, Val::s8(0)},
                        {4294967295, Val::s8(-1)},
                        {4294967168, Val::s8(-128)},
                        {4294967167, Val::s8(127)}});
  pairs(b.prim(P::u16), {{32767, Val::u16(32767)},
                         {32768, Val::u16(32768)},
                         {65535, Val::u16(65535)},
                         {65536, Val::u16(0)},
                         {(1ULL << 32) - 1, Val::u16(65535)},
                         {(1ULL << 32) - 32768, Val::u16(32768)},
                         {(1ULL << 32) - 32769, Val::u16(32767)}});
  pairs(b.prim(P::s16), {{32767, Val::s16(32767)},
                         {32768, Val::s16(-32768)},
                         {65535, Val::s16(-1)},
                         {65536, Val::s16(0)},
                         {(1ULL << 32) - 1, Val::s16(-1)},
                         {(1ULL << 32) - 32768, Val::s16(-32768)},
                         {(1ULL << 32) - 32769, Val::s16(32767)}});
  pairs(b.prim(P::u32), {{(1ULL << 31) - 1, Val::u32((1U << 31) - 1)},
                         {1ULL << 31, Val::u32(1U << 31)},
                         {(1ULL << 32) - 1, Val::u32(0xffffffff)}});
  pairs(b.prim(P::s32), {{(1ULL << 31) - 1, Val::s32(INT32_MAX)},
                         {1ULL << 31, Val::s32(INT32_MIN)},
                         {(1ULL << 32) - 1, Val::s32(-1)}});
  pairs(b.prim(P::u64), {{(1ULL << 63) - 1, Val::u64((1ULL << 63) - 1)},
                         {1ULL << 63, Val::u64(1ULL << 63)},
                         {UINT64_MAX, Val::u64(UINT64_MAX)}});
  pairs(b.prim(P::s64), {{(1ULL << 63) - 1, Val::s64(INT64_MAX)},
                         {1ULL << 63, Val::s64(INT64_MIN)},
                         {UINT64_MAX, Val::s64(-1)}});
  roundTrip(b.prim(P::f32), {3.14}, Val::f32(3.14F));
  roundTrip(b.prim(P::f64), {3.14}, Val::f64(3.14));
  pairs(b.prim(P::character), {{0, Val::character(0)},
                               {65, Val::character('A')},
                               {0xd7ff, Val::character(0xd7ff)},
                               {0xd800, std::nullopt},
                               {0xdfff, std::nullopt},
                               {0xe000, Val::character(0xe000)},
                               {0x10ffff, Val::character(0x10ffff)},
                               {0x110000, std::nullopt},
                               {0xffffffff, std::nullopt}});
  pairs(b.enumeration({"a", "b"}),
        {{0, Val::enumeration(0)}, {1, Val::enumeration(1)}, {2, std::nullopt}});
}

TEST_F(CanonicalAbiTest, NaNsAreCanonical) {
  auto nan32 = [this](std::uint32_t in, std::uint32_t out) {
    AbiContext cx(b.table);
    const std::vector<Value> core{Value::f32Bits(in)};
    FlatCodec::Reader reader(core);
    auto flat = FlatCodec::lift(cx, reader, b.prim(P::f32));
    ASSERT_TRUE(flat);
    EXPECT_EQ(static_cast<std::uint32_t>(flat->bits()), out) << std::hex << in;
    std::vector<std::uint8_t> bytes(4);
    std::memcpy(bytes.data(), &in, 4);
    Heap heap(bytes);
    cx.memory = &heap;
    auto loaded = MemoryCodec::load(cx, 0, b.prim(P::f32));
    ASSERT_TRUE(loaded);
    EXPECT_EQ(static_cast<std::uint32_t>(loaded->bits()), out) << std::hex << in;
  };
  auto nan64 = [this](std::uint64_t in, std::uint64_t out) {
    AbiContext cx(b.table);
    const std::vector<Value> core{Value::f64Bits(in)};
    FlatCodec::Reader reader(core);
    auto flat = FlatCodec::lift(cx, reader, b.prim(P::f64));
    ASSERT_TRUE(flat);
    EXPECT_EQ(flat->bits(), out) << std::hex << in;
    std::vector<std::uint8_t> bytes(8);
    std::memcpy(bytes.data(), &in, 8);
    Heap heap(bytes);
    cx.memory = &heap;
    auto loaded = MemoryCodec::load(cx, 0, b.prim(P::f64));
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->bits(), out) << std::hex << in;
  };
  for (std::uint32_t in : {0x7fc00000U, 0x7fc00001U, 0x7fe00000U, 0x7fffffffU, 0xffffffffU})
    nan32(in, 0x7fc00000U);
  nan32(0x7f800000U, 0x7f800000U);
  nan32(0x3fc00000U, 0x3fc00000U);
  for (std::uint64_t in : {0x7ff8000000000000ULL, 0x7ff8000000000001ULL, 0x7ffc000000000000ULL,
                           0x7fffffffffffffffULL, 0xffffffffffffffffULL})
    nan64(in, 0x7ff8000000000000ULL);
  nan64(0x7ff0000000000000ULL, 0x7ff0000000000000ULL);
  nan64(0x3ff0000000000000ULL, 0x3ff0000000000000ULL);
}

// Every string of run_tests.py's fun_strings, from every encoding into every encoding.
TEST_F(CanonicalAbiTest, StringsInEveryEncoding) {
  using namespace std::string_literals;
  const std::vector<std::u16string> strings{u""s,           u"a",
                                            u"hi",          u"\u0000"s,
                                            u"a\u0000b"s,   u"\u0080",
                                            u"\u0080b",     u"ab\u00efc",
                                            u"\u01ffy",     u"xy\u01ff",
                                            u"a\ud7ffb",    u"a\u02ff\u03ff\u04ffbc",
                                            u"\uf123",      u"\uf123\uf123abc",
                                            u"abcdef\uf123"};
  const StringEncoding encodings[] = {StringEncoding::utf8, StringEncoding::utf16,
                                      StringEncoding::latin1Utf16};
  auto utf8 = [](const std::u16string& s) {
    std::string out;
    for (char16_t c : s) {
      if (c < 0x80) {
        out += static_cast<char>(c);
      } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
      } else {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
      }
    }
    return out;
  };
  auto utf16 = [](const std::u16string& s) {
    std::vector<std::uint8_t> out;
    for (char16_t c : s) {
      out.push_back(static_cast<std::uint8_t>(c));
      out.push_back(static_cast<std::uint8_t>(c >> 8));
    }
    return out;
  };
  for (const StringEncoding source : encodings) {
    for (const StringEncoding target : encodings) {
      for (const std::u16string& s : strings) {
        const Val expected = Val::string(utf8(s));
        auto run = [&](std::vector<std::uint8_t> bytes, std::uint32_t taggedUnits) {
          Heap heap(std::move(bytes));
          roundTrip(b.prim(P::string), {std::uint64_t{0}, std::uint64_t{taggedUnits}}, expected,
                    &heap, source, target);
        };
        if (source == StringEncoding::utf8) {
          const std::string encoded = utf8(s);
          run({encoded.begin(), encoded.end()}, static_cast<std::uint32_t>(encoded.size()));
        } else if (source == StringEncoding::utf16) {
          run(utf16(s), static_cast<std::uint32_t>(s.size()));
        } else {
          if (std::all_of(s.begin(), s.end(), [](char16_t c) { return c < 0x100; })) {
            std::vector<std::uint8_t> latin1(s.begin(), s.end());
            run(latin1, static_cast<std::uint32_t>(s.size()));
          }
          run(utf16(s), static_cast<std::uint32_t>(s.size()) | MemoryCodec::kUtf16Tag);
        }
      }
    }
  }
}

TEST_F(CanonicalAbiTest, ListsInMemory) {
  const TypeId boolean = b.prim(P::boolean);
  const Val tft = Val::list({Val::boolean(true), Val::boolean(false), Val::boolean(true)});
  heapCase(b.list(boolean), tft, {0U, 3U}, {1, 0, 1});
  heapCase(b.list(boolean), tft, {0U, 3U}, {1, 0, 2});
  heapCase(b.list(boolean), tft, {3U, 3U}, {0xff, 0xff, 0xff, 1, 0, 1});
  heapCase(b.list(b.prim(P::u8)), Val::bytes(std::string("\x01\x02\x03")), {0U, 3U}, {1, 2, 3});
  const Val u16s = Val::list({Val::u16(1), Val::u16(2), Val::u16(3)});
  heapCase(b.list(b.prim(P::u16)), u16s, {0U, 3U}, {1, 0, 2, 0, 3, 0});
  heapCase(b.list(b.prim(P::u16)), std::nullopt, {1U, 3U}, {0, 1, 0, 2, 0, 3, 0});
  heapCase(b.list(b.prim(P::u32)), Val::list({Val::u32(1), Val::u32(2), Val::u32(3)}), {0U, 3U},
           {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0});
  heapCase(b.list(b.prim(P::u64)), Val::list({Val::u64(1), Val::u64(2)}), {0U, 2U},
           {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0});
  heapCase(b.list(b.prim(P::s8)), Val::bytes(std::string("\xff\xfe\xfd")), {0U, 3U},
           {0xff, 0xfe, 0xfd});
  heapCase(b.list(b.prim(P::s16)), Val::list({Val::s16(-1), Val::s16(-2), Val::s16(-3)}), {0U, 3U},
           {0xff, 0xff, 0xfe, 0xff, 0xfd, 0xff});
  heapCase(b.list(b.prim(P::s32)), Val::list({Val::s32(-1), Val::s32(-2), Val::s32(-3)}), {0U, 3U},
           {0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff});
  heapCase(b.list(b.prim(P::s64)), Val::list({Val::s64(-1), Val::s64(-2)}), {0U, 2U},
           {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff});
  heapCase(b.list(b.prim(P::character)),
           Val::list({Val::character('A'), Val::character('B'), Val::character('c')}), {0U, 3U},
           {65, 0, 0, 0, 66, 0, 0, 0, 99, 0, 0, 0});
  heapCase(
      b.list(b.prim(P::string)), Val::list({Val::string("hi"), Val::string("wat")}), {0U, 2U},
      {16, 0, 0, 0, 2, 0, 0, 0, 21, 0, 0, 0, 3, 0, 0, 0, 'h', 'i', 0xf, 0xf, 0xf, 'w', 'a', 't'});
  heapCase(b.list(b.list(b.prim(P::u8))),
           Val::list({Val::bytes(std::string("\x03\x04\x05")), Val::bytes(std::string()),
                      Val::bytes(std::string("\x06\x07"))}),
           {0U, 3U}, {24, 0,  0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                      0,  27, 0, 0, 0, 2, 0, 0, 0, 3, 4, 5, 6, 7});
  const TypeId listOfU16Lists = b.list(b.list(b.prim(P::u16)));
  heapCase(listOfU16Lists, Val::list({Val::list({Val::u16(5), Val::u16(6)})}), {0U, 1U},
           {8, 0, 0, 0, 2, 0, 0, 0, 5, 0, 6, 0});
  heapCase(listOfU16Lists, std::nullopt, {0U, 1U}, {9, 0, 0, 0, 2, 0, 0, 0, 0, 5, 0, 6, 0});
  heapCase(b.list(b.fixedList(b.prim(P::u8), 2)),
           Val::list({Val::list({Val::u8(1), Val::u8(2)}), Val::list({Val::u8(3), Val::u8(4)})}),
           {0U, 2U}, {1, 2, 3, 4});
  const TypeId pairsOfU32 = b.list(b.fixedList(b.prim(P::u32), 2));
  heapCase(
      pairsOfU32,
      Val::list({Val::list({Val::u32(1), Val::u32(2)}), Val::list({Val::u32(3), Val::u32(4)})}),
      {0U, 2U}, {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0});
  heapCase(pairsOfU32, std::nullopt, {1U, 2U}, {0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0});
}

TEST_F(CanonicalAbiTest, TuplesAndFlagsInMemoryWithPadding) {
  const TypeId u8 = b.prim(P::u8);
  const TypeId u16 = b.prim(P::u16);
  const TypeId u32 = b.prim(P::u32);
  heapCase(b.list(b.tuple({u8, u8, u16, u32})),
           Val::list({tup({Val::u8(6), Val::u8(7), Val::u16(8), Val::u32(9)}),
                      tup({Val::u8(4), Val::u8(5), Val::u16(6), Val::u32(7)})}),
           {0U, 2U}, {6, 7, 8, 0, 9, 0, 0, 0, 4, 5, 6, 0, 7, 0, 0, 0});
  heapCase(b.list(b.tuple({u8, u16, u8, u32})),
           Val::list({tup({Val::u8(6), Val::u16(7), Val::u8(8), Val::u32(9)}),
                      tup({Val::u8(4), Val::u16(5), Val::u8(6), Val::u32(7)})}),
           {0U, 2U}, {6, 0xff, 7, 0, 8, 0xff, 0xff, 0xff, 9, 0, 0, 0,
                      4, 0xff, 5, 0, 6, 0xff, 0xff, 0xff, 7, 0, 0, 0});
  heapCase(b.list(b.tuple({u16, u8})),
           Val::list({tup({Val::u16(6), Val::u8(7)}), tup({Val::u16(8), Val::u8(9)})}), {0U, 2U},
           {6, 0, 7, 0xff, 8, 0, 9, 0xff});
  heapCase(b.list(b.tuple({b.tuple({u16, u8}), u8})),
           Val::list({tup({tup({Val::u16(4), Val::u8(5)}), Val::u8(6)}),
                      tup({tup({Val::u16(7), Val::u8(8)}), Val::u8(9)})}),
           {0U, 2U}, {4, 0, 5, 0xff, 6, 0xff, 7, 0, 8, 0xff, 9, 0xff});
  const TypeId ab = b.list(b.flags({"a", "b"}));
  heapCase(ab, Val::list({Val::flags(0), Val::flags(2), Val::flags(3)}), {0U, 3U}, {0, 2, 3});
  heapCase(ab, Val::list({Val::flags(0), Val::flags(2), Val::flags(0)}), {0U, 3U}, {0, 2, 4});
  const Val nine = Val::list({Val::flags(0x1ff), Val::flags(0)});
  heapCase(b.list(b.flags(9)), nine, {0U, 2U}, {0xff, 0x1, 0, 0});
  heapCase(b.list(b.flags(9)), nine, {0U, 2U}, {0xff, 0x3, 0, 0});
  const Val seventeen = Val::list({Val::flags(0x1ffff), Val::flags(0)});
  heapCase(b.list(b.flags(17)), seventeen, {0U, 2U}, {0xff, 0xff, 0x1, 0, 0, 0, 0, 0});
  heapCase(b.list(b.flags(17)), seventeen, {0U, 2U}, {0xff, 0xff, 0x3, 0, 0, 0, 0, 0});
  heapCase(b.list(b.flags(32)), Val::list({Val::flags(0xffffffff), Val::flags(0)}), {0U, 2U},
           {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0});
}

TEST_F(CanonicalAbiTest, FunctionsFlatten) {
  auto check = [this](FuncType type, std::vector<ValueType> params,
                      std::vector<ValueType> results) {
    FunctionType expect{params, results};
    if (params.size() > TypeTable::kMaxFlatParams)
      expect.params = {ValueType::i32};
    if (results.size() > TypeTable::kMaxFlatResults)
      expect.results = {ValueType::i32};
    const FuncTypeId id = b.table.addFunc(type);
    EXPECT_EQ(b.table.flattenFunc(id, false), expect);
    if (results.size() > TypeTable::kMaxFlatResults) {
      expect.params.push_back(ValueType::i32);
      expect.results.clear();
    }
    EXPECT_EQ(b.table.flattenFunc(id, true), expect);
  };
  using V = ValueType;
  const TypeId u8 = b.prim(P::u8);
  const TypeId f32 = b.prim(P::f32);
  const std::vector<TypeId> base{u8, f32, b.prim(P::f64)};
  const std::vector<V> flat{V::i32, V::f32, V::f64};
  check({{}, base, std::nullopt}, flat, {});
  check({{}, base, f32}, flat, {V::f32});
  check({{}, base, u8}, flat, {V::i32});
  check({{}, base, b.tuple({f32})}, flat, {V::f32});
  check({{}, base, b.tuple({f32, f32})}, flat, {V::f32, V::f32});
  check({{}, std::vector<TypeId>(17, u8), std::nullopt}, std::vector<V>(17, V::i32), {});
  check({{}, std::vector<TypeId>(17, u8), b.tuple({u8, u8})}, std::vector<V>(17, V::i32),
        {V::i32, V::i32});
}

// run_tests.py's test_roundtrips: the host lowers a value into a callee's memory as the
// argument of a lifted function (params beyond 16 flat values through memory), the callee lifts
// it back; then the result comes back the other way, through a return pointer.
TEST_F(CanonicalAbiTest, CallsRoundTrip) {
  const TypeId u16 = b.prim(P::u16);
  const TypeId u32 = b.prim(P::u32);
  const TypeId string = b.prim(P::string);
  auto roundTripCall = [this](TypeId type, const Val& value) {
    const FuncType func{{"x"}, {type}, type};
    Heap callee(1000);
    AbiContext lower(b.table);
    lower.memory = &callee;
    auto core = CanonicalAbi::lowerArguments(lower, func, std::span(&value, 1));
    ASSERT_TRUE(core) << core.error().describe();
    AbiContext lift(b.table);
    lift.memory = &callee;
    auto arguments = CanonicalAbi::liftArguments(lift, func, *core);
    ASSERT_TRUE(arguments) << arguments.error().describe();
    ASSERT_EQ(arguments->size(), 1U);
    EXPECT_EQ((*arguments)[0], value) << toString((*arguments)[0]);

    // The callee returns it: stored at a return pointer when it flattens to several values.
    Heap caller(1000);
    AbiContext returning(b.table);
    returning.memory = &caller;
    std::vector<Value> coreArguments{Value::i32(512)};
    std::vector<Value> coreResults(b.table[type].flatCount > 1 ? 0 : 1);
    auto lowered = CanonicalAbi::lowerResult(returning, func, value, coreArguments, coreResults);
    ASSERT_TRUE(lowered) << lowered.error().describe();
    if (b.table[type].flatCount > 1)
      coreResults = {Value::i32(512)};
    AbiContext receiving(b.table);
    receiving.memory = &caller;
    auto result = CanonicalAbi::liftResult(receiving, func, coreResults);
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(**result, value) << toString(**result);
  };
  roundTripCall(b.prim(P::s8), Val::s8(-1));
  roundTripCall(b.tuple({u16, u16}), tup({Val::u16(3), Val::u16(4)}));
  roundTripCall(b.list(string), Val::list({Val::string("hello there")}));
  roundTripCall(b.list(b.list(string)),
                Val::list({Val::list({Val::string("one"), Val::string("two")}),
                           Val::list({Val::string("three")})}));
  roundTripCall(b.list(b.option(b.tuple({string, u16}))),
                Val::list({Val::some(tup({Val::string("answer"), Val::u16(42)}))}));
  std::vector<Val> seventeen;
  for (std::uint32_t i = 1; i <= 16; ++i)
    seventeen.push_back(Val::u32(i));
  seventeen.push_back(Val::string("wat"));
  roundTripCall(b.variant({{"x", b.tuple({u32, u32, u32, u32, u32, u32, u32, u32, u32, u32, u32,
                                          u32, u32, u32, u32, u32, string})}}),
                Val::variant(0, tup(std::move(seventeen))));
}

}  // namespace
}  // namespace wasmesh::wasm::component
