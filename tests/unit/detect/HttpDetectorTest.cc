#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/proxy/HttpDetector.h"

namespace wasmesh::proxy {
namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

HttpDetection detect(std::string_view text) {
  const std::vector<std::uint8_t> bytes(text.begin(), text.end());
  return detectHttp(bytes);
}

void expectEveryPrefixIncomplete(std::string_view text) {
  for (std::size_t n = 0; n < text.size(); ++n)
    ASSERT_EQ(detect(text.substr(0, n)), HttpDetection::incomplete) << "prefix " << n;
}

TEST(HttpDetectorTest, RequestLinesAreHttp1) {
  for (const std::string_view line :
       {"GET / HTTP/1.1\r\n", "POST /api/v1/items?x=1 HTTP/1.1\r\n", "GET / HTTP/1.0\r\n",
        "OPTIONS * HTTP/1.1\r\n", "CONNECT example.com:443 HTTP/1.1\r\n",
        "PROPFIND /dav/ HTTP/1.1\r\n", "get /lowercase HTTP/1.1\r\n", "M-SEARCH * HTTP/1.1\r\n",
        "GET http://a.example/x HTTP/1.1\r\n", "GET /caf\xc3\xa9 HTTP/1.1\r\n"})
    EXPECT_EQ(detect(line), HttpDetection::http1) << line;
}

TEST(HttpDetectorTest, BytesAfterTheRequestLineDoNotMatter) {
  EXPECT_EQ(detect("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect(std::string("GET / HTTP/1.1\r\n\0\xff", 18)), HttpDetection::http1);
}

TEST(HttpDetectorTest, EveryPrefixOfARequestLineIsIncomplete) {
  for (const std::string_view line :
       {"GET / HTTP/1.1\r\n", "POST /submit HTTP/1.0\r\n", "PRI * HTTP/1.1\r\n"}) {
    expectEveryPrefixIncomplete(line);
    EXPECT_EQ(detect(line), HttpDetection::http1);
  }
}

TEST(HttpDetectorTest, SplitAnywhereTheAnswerDependsOnlyOnTheBytesSoFar) {
  // What a reader accumulating two reads sees: the first part alone, then both.
  const std::string line = "DELETE /things/42 HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::size_t end = line.find('\n') + 1;
  for (std::size_t cut = 1; cut < line.size(); ++cut) {
    EXPECT_EQ(detect(line.substr(0, cut)),
              cut < end ? HttpDetection::incomplete : HttpDetection::http1);
    EXPECT_EQ(detect(line), HttpDetection::http1);
  }
}

TEST(HttpDetectorTest, PrefaceIsHttp2AndEveryPrefixIncomplete) {
  EXPECT_EQ(detect(kPreface), HttpDetection::http2);
  expectEveryPrefixIncomplete(kPreface);
  // Frames after the preface do not matter.
  EXPECT_EQ(detect(std::string(kPreface) + std::string("\0\0\0\4\0\0\0\0\0", 9)),
            HttpDetection::http2);
}

TEST(HttpDetectorTest, PrefaceFollowedByAWrongByteIsJudgedAsARequestLine) {
  // Once it leaves the preface it is an HTTP/1 request line with version 2.0: broken before
  // its end it is not HTTP; complete, the codec refuses it (505).
  for (std::size_t at = 14; at < kPreface.size(); ++at) {
    std::string almost(kPreface.substr(0, at));
    almost.push_back('X');
    EXPECT_EQ(detect(almost), at < 16 ? HttpDetection::notHttp : HttpDetection::http1) << at;
  }
  EXPECT_EQ(detect("PRI * HTTP/2.0\r\n"), HttpDetection::incomplete);
  EXPECT_EQ(detect("PRI * HTTP/2.1"), HttpDetection::incomplete);
  EXPECT_EQ(detect("PRI * HTTP/2.1\r\n"), HttpDetection::http1);
  // Leaving it before the version: an ordinary request line.
  EXPECT_EQ(detect("PRI /x HTTP/1.1\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect("PRIX"), HttpDetection::incomplete);
}

TEST(HttpDetectorTest, GarbageIsDecidedOnItsFirstByte) {
  for (const std::string_view first :
       {std::string_view("\0", 1), std::string_view("\x16"), std::string_view("\x80"),
        std::string_view("\xff"), std::string_view(" "), std::string_view("\r"),
        std::string_view("\n"), std::string_view("\t"), std::string_view("("),
        std::string_view("/")})
    EXPECT_EQ(detect(first), HttpDetection::notHttp);
  EXPECT_EQ(detect("\r\n"), HttpDetection::notHttp);
  EXPECT_EQ(detect("\r\nGET / HTTP/1.1\r\n"), HttpDetection::notHttp);
}

TEST(HttpDetectorTest, NulAndControlBytesAreNotHttp) {
  EXPECT_EQ(detect(std::string("GET\0/ HTTP/1.1\r\n", 16)), HttpDetection::notHttp);
  EXPECT_EQ(detect(std::string("GET /a\0b HTTP/1.1\r\n", 19)), HttpDetection::notHttp);
  EXPECT_EQ(detect("GET /a\tb HTTP/1.1\r\n"), HttpDetection::notHttp);
  EXPECT_EQ(detect(std::string("GET / HTTP/1.1\0\n", 16)), HttpDetection::notHttp);
}

TEST(HttpDetectorTest, AnyVersionNumberIsHttpForTheCodecToRefuse) {
  // The codec answers 505: forwarded as bytes, such a request would bypass the HTTP layer.
  for (const std::string_view line :
       {"GET / HTTP/2.0\r\n", "GET / HTTP/1.2\r\n", "GET / HTTP/0.9\r\n"})
    EXPECT_EQ(detect(line), HttpDetection::http1) << line;
  for (const std::string_view line :
       {"GET / http/1.1\r\n", "GET / HTTP/11\r\n", "GET / HTTP/1.1 \r\n", "GET / HTTP/1.10\r\n"})
    EXPECT_EQ(detect(line), HttpDetection::notHttp) << line;
  EXPECT_EQ(detect("GET / HTTP/2"), HttpDetection::incomplete);
}

TEST(HttpDetectorTest, LineEndsInCrlfOrABareLfTheCodecRefuses) {
  EXPECT_EQ(detect("GET / HTTP/1.1\n"), HttpDetection::http1);
  EXPECT_EQ(detect("GET / HTTP/1.1\r\r"), HttpDetection::notHttp);
  EXPECT_EQ(detect("GET / HTTP/1.1\r"), HttpDetection::incomplete);
  EXPECT_EQ(detect("GET /\r\n"), HttpDetection::notHttp);
}

TEST(HttpDetectorTest, SpacesMustBeSingle) {
  EXPECT_EQ(detect("GET  / HTTP/1.1\r\n"), HttpDetection::notHttp);
  EXPECT_EQ(detect("GET /  HTTP/1.1\r\n"), HttpDetection::notHttp);
  EXPECT_EQ(detect(" GET / HTTP/1.1\r\n"), HttpDetection::notHttp);
  EXPECT_EQ(detect("GET  "), HttpDetection::notHttp);
}

TEST(HttpDetectorTest, MethodIsAtMost32TokenCharacters) {
  const std::string longest(32, 'A');
  EXPECT_EQ(detect(longest + " / HTTP/1.1\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect(longest), HttpDetection::incomplete);
  EXPECT_EQ(detect(longest + "A"), HttpDetection::notHttp);
  EXPECT_EQ(detect("GE:T / HTTP/1.1\r\n"), HttpDetection::notHttp);
  EXPECT_EQ(detect("GE\"T"), HttpDetection::notHttp);
}

TEST(HttpDetectorTest, LongTargetsAreFine) {
  // The detector has no length limit of its own; the caller caps the buffer.
  const std::string line = "GET /" + std::string(100000, 'a') + " HTTP/1.1\r\n";
  EXPECT_EQ(detect(line), HttpDetection::http1);
  EXPECT_EQ(detect(line.substr(0, 50000)), HttpDetection::incomplete);
}

TEST(HttpDetectorTest, Http2ServerPrefaceIsASettingsFrameOnStreamZero) {
  using Header = std::array<std::uint8_t, kHttp2FrameHeaderSize>;
  const auto check = [](const Header& header) { return isHttp2ServerPreface(header); };
  EXPECT_TRUE(check({0, 0, 0, 4, 0, 0, 0, 0, 0}));      // empty SETTINGS
  EXPECT_TRUE(check({0, 0, 18, 4, 0, 0, 0, 0, 0}));     // three settings (nghttpd)
  EXPECT_TRUE(check({0, 0, 6, 4, 0, 0x80, 0, 0, 0}));   // reserved bit set
  EXPECT_FALSE(check({0, 0, 0, 4, 1, 0, 0, 0, 0}));     // a SETTINGS ACK is not a preface
  EXPECT_FALSE(check({0, 0, 7, 4, 0, 0, 0, 0, 0}));     // length not a multiple of 6
  EXPECT_FALSE(check({0, 0x40, 2, 4, 0, 0, 0, 0, 0}));  // beyond 16384
  EXPECT_FALSE(check({0, 0, 6, 4, 0, 0, 0, 0, 1}));     // stream 1
  EXPECT_FALSE(check({0, 0, 8, 6, 0, 0, 0, 0, 0}));     // PING
  // Greetings of server-first protocols are not mistaken for it.
  EXPECT_FALSE(check({'I', 'N', 'F', 'O', ' ', '{', '"', 's', 'e'}));  // NATS
  EXPECT_FALSE(check({'2', '2', '0', ' ', 'm', 'x', '.', 'e', 'x'}));  // SMTP
  EXPECT_FALSE(check({0x4a, 0, 0, 0, 0x0a, '8', '.', '0', '.'}));      // MySQL handshake
}

TEST(HttpDetectorTest, TheTargetMustHaveARequestTargetForm) {
  const auto detect = [](std::string_view text) {
    return detectHttp({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
  };
  EXPECT_EQ(detect("GET http://example.com/ HTTP/1.1\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect("GET HTTPS://example.com/ HTTP/1.1\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect("CONNECT example.com:443 HTTP/1.1\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect("OPTIONS * HTTP/1.1\r\n"), HttpDetection::http1);
  EXPECT_EQ(detect("GET ht"), HttpDetection::incomplete);
  // Line protocols with a word after a word are turned away on the target's first byte.
  EXPECT_EQ(detect("hello w"), HttpDetection::notHttp);
  EXPECT_EQ(detect("GET key"), HttpDetection::notHttp);  // memcached-style
  EXPECT_EQ(detect("GET ftp://x/ HTTP/1.1\r\n"), HttpDetection::notHttp);
}

}  // namespace
}  // namespace wasmesh::proxy
