#include <gtest/gtest.h>

#include "wasmesh/proxy/http/HeaderMap.h"
#include "wasmesh/proxy/http/HeaderRules.h"

namespace wasmesh::proxy::http {
namespace {

TEST(HeaderMapTest, NamesAreLowerCasedAndDuplicatesKept) {
  HeaderMap headers;
  headers.add("Content-Type", "text/plain");
  headers.add("X-A", "1");
  headers.add("x-a", "2");
  EXPECT_EQ(headers.get("content-type"), "text/plain");
  EXPECT_EQ(headers.count("x-a"), 2U);
  EXPECT_EQ(headers.get("x-a"), "1");
  headers.set("X-A", "3");
  EXPECT_EQ(headers.count("x-a"), 1U);
  EXPECT_EQ(headers.get("x-a"), "3");
  EXPECT_EQ(headers.remove("X-A"), 1U);
  EXPECT_FALSE(headers.contains("x-a"));
}

TEST(HeaderMapTest, ListSizeIsHpacksAccounting) {
  HeaderMap headers;
  headers.add("ab", "cde");
  EXPECT_EQ(headers.listSize(), 2U + 3U + 32U);
  headers.add("x", "");
  EXPECT_EQ(headers.listSize(), 37U + 33U);
  headers.remove("ab");
  EXPECT_EQ(headers.listSize(), 33U);
}

TEST(HeaderRulesTest, HopByHopFieldsAndTheOnesConnectionNamesGo) {
  HeaderMap headers;
  headers.add("Connection", "keep-alive, X-Private , Upgrade");
  headers.add("Keep-Alive", "timeout=5");
  headers.add("Proxy-Connection", "keep-alive");
  headers.add("Transfer-Encoding", "chunked");
  headers.add("Upgrade", "websocket");
  headers.add("HTTP2-Settings", "AAMAAABkAAQAAP__");
  headers.add("X-Private", "secret");
  headers.add("X-Kept", "1");
  headers.add("Content-Type", "text/plain");
  removeHopByHop(headers);
  std::vector<std::string> left;
  for (const auto& field : headers)
    left.push_back(field.first);
  EXPECT_EQ(left, (std::vector<std::string>{"x-kept", "content-type"}));
}

TEST(HeaderRulesTest, TeTrailersIsKeptForGrpcAndNothingElse) {
  HeaderMap trailers;
  trailers.add("TE", "trailers");
  removeHopByHop(trailers);
  EXPECT_EQ(trailers.get("te"), "trailers");
  HeaderMap gzip;
  gzip.add("TE", "gzip, trailers");
  removeHopByHop(gzip);
  EXPECT_FALSE(gzip.contains("te"));
  HeaderMap named;  // Connection naming TE does not drop "te: trailers"
  named.add("Connection", "TE");
  named.add("TE", "trailers");
  removeHopByHop(named);
  EXPECT_EQ(named.get("te"), "trailers");
}

TEST(HeaderRulesTest, FieldSyntax) {
  EXPECT_TRUE(isValidFieldName("x-custom_1.a~"));
  for (const auto* bad : {"", "x y", "x:y", "x(y)", "x\"y", "x\x01"})
    EXPECT_FALSE(isValidFieldName(bad)) << bad;
  EXPECT_TRUE(isValidFieldValue(""));
  EXPECT_TRUE(isValidFieldValue("a b\tc \xff"));
  for (const std::string& bad : {std::string("a\rb"), std::string("a\nb"), std::string("a\0b", 3),
                                 std::string(" lead"), std::string("trail\t"), std::string("\x7f")})
    EXPECT_FALSE(isValidFieldValue(bad));
  EXPECT_TRUE(isValidMethod("PATCH"));
  EXPECT_FALSE(isValidMethod("GE T"));
}

}  // namespace
}  // namespace wasmesh::proxy::http
