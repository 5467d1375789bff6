#include <gtest/gtest.h>

#include "AbiTestSupport.h"
#include "wasmesh/wasm/component/WaveCodec.h"

namespace wasmesh::wasm::component {
namespace {

using test::TypeBuilder;
using P = PrimitiveType;

class WaveCodecTest : public testing::Test {
 protected:
  // Parses `text` as `type`, prints it back: the canonical spelling.
  std::string roundTrip(std::string_view text, TypeId type) {
    auto value = WaveCodec::parse(text, b.table, type);
    EXPECT_TRUE(value) << text << ": " << value.error().describe();
    return value ? WaveCodec::print(*value, b.table, type) : std::string();
  }
  std::string error(std::string_view text, TypeId type) {
    auto value = WaveCodec::parse(text, b.table, type);
    EXPECT_FALSE(value) << text;
    return value ? std::string() : value.error().message;
  }

  TypeBuilder b;
};

TEST_F(WaveCodecTest, ScalarsStringsAndChars) {
  EXPECT_EQ(roundTrip("true", b.prim(P::boolean)), "true");
  EXPECT_EQ(roundTrip("  255 ", b.prim(P::u8)), "255");
  EXPECT_EQ(roundTrip("-128", b.prim(P::s8)), "-128");
  EXPECT_EQ(roundTrip("18446744073709551615", b.prim(P::u64)), "18446744073709551615");
  EXPECT_EQ(roundTrip("-9223372036854775808", b.prim(P::s64)), "-9223372036854775808");
  EXPECT_EQ(roundTrip("1.5", b.prim(P::f64)), "1.5");
  EXPECT_EQ(roundTrip("nan", b.prim(P::f32)), "nan");
  EXPECT_EQ(roundTrip("-inf", b.prim(P::f64)), "-inf");
  EXPECT_EQ(roundTrip(R"("a \"q\" \\ \n \u{1F600}")", b.prim(P::string)),
            "\"a \\\"q\\\" \\\\ \\n \U0001F600\"");
  EXPECT_EQ(roundTrip("'\\u{e9}'", b.prim(P::character)), "'\u00e9'");
  EXPECT_EQ(roundTrip("'\U0001F600'", b.prim(P::character)), "'\U0001F600'");
  EXPECT_EQ(error("256", b.prim(P::u8)), "expected a u8 at offset 3");
  EXPECT_EQ(error("-1", b.prim(P::u32)), "expected a u32 at offset 2");
  EXPECT_EQ(error("\"open", b.prim(P::string)), "unterminated string at offset 5");
  EXPECT_EQ(error("'\\u{d800}'", b.prim(P::character)), "bad \\u{...} escape at offset 4");
  EXPECT_EQ(error("1 2", b.prim(P::u32)), "unexpected text after the value at offset 2");
}

TEST_F(WaveCodecTest, CompoundValues) {
  const TypeId point = b.record({{"x", b.prim(P::s32)}, {"y", b.prim(P::s32)}});
  EXPECT_EQ(roundTrip("{y: 2, x: -1}", point), "{x: -1, y: 2}");
  EXPECT_EQ(error("{x: 1}", point), "a record field is missing at offset 6");
  EXPECT_EQ(roundTrip("[1, 2, 3,]", b.list(b.prim(P::u16))), "[1, 2, 3]");
  EXPECT_EQ(roundTrip("[]", b.list(b.prim(P::string))), "[]");
  EXPECT_EQ(roundTrip("(1, \"a\")", b.tuple({b.prim(P::u8), b.prim(P::string)})), "(1, \"a\")");
  EXPECT_EQ(roundTrip("[[1, 2], [3, 4]]", b.list(b.fixedList(b.prim(P::u8), 2))),
            "[[1, 2], [3, 4]]");
  EXPECT_EQ(roundTrip("some(none)", b.option(b.option(b.prim(P::u8)))), "some(none)");
  const TypeId result = b.result(std::nullopt, b.prim(P::string));
  EXPECT_EQ(roundTrip("ok", result), "ok");
  EXPECT_EQ(roundTrip("err(\"no\")", result), "err(\"no\")");
  const TypeId shape =
      b.variant({{"circle", b.prim(P::f32)}, {"square", b.prim(P::f32)}, {"empty", std::nullopt}});
  EXPECT_EQ(roundTrip("square(2)", shape), "square(2)");
  EXPECT_EQ(roundTrip("empty", shape), "empty");
  EXPECT_EQ(error("triangle", shape), "expected a case (circle, ...) at offset 8");
  EXPECT_EQ(roundTrip("{write, read}", b.flags({"read", "write", "exec"})), "{read, write}");
  EXPECT_EQ(roundTrip("red", b.enumeration({"red", "green"})), "red");
}

}  // namespace
}  // namespace wasmesh::wasm::component
