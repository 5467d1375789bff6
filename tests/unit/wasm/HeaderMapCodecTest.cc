#include <gtest/gtest.h>

#include "wasmesh/wasm/proxywasm/HeaderMapCodec.h"

namespace wasmesh::wasm::proxywasm {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> values) {
  std::vector<std::uint8_t> out;
  for (int v : values)
    out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

TEST(HeaderMapCodecTest, SerializesTheWireFormat) {
  const HeaderPairs pairs{{":path", "/a"}, {"x", ""}};
  auto encoded = HeaderMapCodec::serialize(pairs);
  ASSERT_TRUE(encoded);
  const auto expected =
      bytes({2,   0,   0,   0,                                                // count
             5,   0,   0,   0,   2,   0, 0,   0,   1, 0,   0, 0, 0, 0, 0, 0,  // lengths
             ':', 'p', 'a', 't', 'h', 0, '/', 'a', 0, 'x', 0, 0});
  EXPECT_EQ(*encoded, expected);
  EXPECT_EQ(HeaderMapCodec::serializedSize(pairs), expected.size());
  EXPECT_EQ(HeaderMapCodec::deserialize(*encoded), pairs);
}

TEST(HeaderMapCodecTest, EmptyMapIsFourZeroBytes) {
  auto encoded = HeaderMapCodec::serialize({});
  ASSERT_TRUE(encoded);
  EXPECT_EQ(*encoded, bytes({0, 0, 0, 0}));
  EXPECT_EQ(HeaderMapCodec::deserialize(*encoded), HeaderPairs{});
}

TEST(HeaderMapCodecTest, KeepsBinaryValuesAndEmbeddedNuls) {
  const HeaderPairs pairs{{std::string("a\0b", 3), std::string("\xff\x00\x01", 3)}};
  auto encoded = HeaderMapCodec::serialize(pairs);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(HeaderMapCodec::deserialize(*encoded), pairs);
}

TEST(HeaderMapCodecTest, RefusesMalformedBytes) {
  auto good = *HeaderMapCodec::serialize({{"key", "value"}});
  EXPECT_FALSE(HeaderMapCodec::deserialize({}));
  EXPECT_FALSE(HeaderMapCodec::deserialize(bytes({1, 0, 0})));
  // Every strict prefix is refused.
  for (std::size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(HeaderMapCodec::deserialize(std::span(good).first(n))) << n;
  // Trailing bytes.
  auto longer = good;
  longer.push_back(0);
  EXPECT_FALSE(HeaderMapCodec::deserialize(longer));
  // A missing NUL after the key.
  auto noNul = good;
  noNul[4 + 8 + 3] = 'x';
  EXPECT_FALSE(HeaderMapCodec::deserialize(noNul));
  // A key length running past the end, and one that would wrap 32 bits.
  auto pastEnd = good;
  pastEnd[4] = 200;
  EXPECT_FALSE(HeaderMapCodec::deserialize(pastEnd));
  auto huge = good;
  huge[4] = huge[5] = huge[6] = huge[7] = 0xff;
  EXPECT_FALSE(HeaderMapCodec::deserialize(huge));
  // A count the buffer cannot hold (it must not size anything from it).
  EXPECT_FALSE(HeaderMapCodec::deserialize(bytes({0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0})));
}

TEST(HeaderMapCodecTest, EnforcesLimits) {
  HeaderPairs many(3, {"k", "v"});
  const HeaderMapLimits twoPairs{1024, 2};
  EXPECT_FALSE(HeaderMapCodec::serialize(many, twoPairs));
  auto encoded = HeaderMapCodec::serialize(many);
  ASSERT_TRUE(encoded);
  EXPECT_FALSE(HeaderMapCodec::deserialize(*encoded, twoPairs));
  const HeaderMapLimits small{encoded->size() - 1, 1024};
  EXPECT_FALSE(HeaderMapCodec::serialize(many, small));
  EXPECT_FALSE(HeaderMapCodec::deserialize(*encoded, small));
  // Defaults: 1 MiB and 1024 pairs.
  EXPECT_FALSE(HeaderMapCodec::serialize(HeaderPairs(1025, {"k", "v"})));
  EXPECT_TRUE(HeaderMapCodec::serialize(HeaderPairs(1024, {"k", "v"})));
  EXPECT_FALSE(HeaderMapCodec::serialize({{"big", std::string(std::size_t{1024} * 1024, 'x')}}));
}

}  // namespace
}  // namespace wasmesh::wasm::proxywasm
