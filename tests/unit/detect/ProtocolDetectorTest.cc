#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <string>
#include <string_view>

#include "TlsTestBytes.h"
#include "wasmesh/proxy/ProtocolDetector.h"

namespace wasmesh::proxy {
namespace {

using testing::Bytes;
using testing::bytesOf;
using testing::openSslClientHello;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

Bytes firstBytes(const Bytes& bytes, std::size_t n) {
  return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
}

TEST(ProtocolDetectorTest, EmptyIsUndecided) {
  const auto detection = detectProtocol({});
  EXPECT_EQ(detection.protocol, DetectedProtocol::undecided);
  EXPECT_TRUE(detection.reason.empty());
}

TEST(ProtocolDetectorTest, ClientHelloIsTlsWithItsSniAndAlpn) {
  for (const int version : {0, TLS1_2_VERSION}) {
    const auto hello =
        openSslClientHello({.maxVersion = version, .serverName = "web.ns", .alpn = {"h2"}});
    const auto detection = detectProtocol(hello);
    ASSERT_EQ(detection.protocol, DetectedProtocol::tls) << detection.reason;
    EXPECT_EQ(detection.tls.serverName, "web.ns");
    EXPECT_EQ(detection.tls.alpn, std::vector<std::string>{"h2"});
    EXPECT_TRUE(detection.reason.empty());
    for (std::size_t n = 1; n < hello.size(); ++n)
      ASSERT_EQ(detectProtocol(firstBytes(hello, n)).protocol, DetectedProtocol::undecided) << n;
  }
}

TEST(ProtocolDetectorTest, MalformedTlsIsOpaqueWithTheParsersReason) {
  const auto detection = detectProtocol(Bytes{0x16, 0x03, 0x01, 0x00, 0x00});
  EXPECT_EQ(detection.protocol, DetectedProtocol::opaque);
  EXPECT_EQ(detection.reason, "record length is zero");
}

TEST(ProtocolDetectorTest, NotTlsAfterAll22IsJudgedAsHttpAndIsOpaque) {
  const auto detection = detectProtocol(Bytes{0x16, 0x05});
  EXPECT_EQ(detection.protocol, DetectedProtocol::opaque);
  EXPECT_EQ(detection.reason, "not HTTP or TLS");
}

TEST(ProtocolDetectorTest, HttpRequestLinesAndThePreface) {
  EXPECT_EQ(detectProtocol(bytesOf("GET /health HTTP/1.1\r\nHost: a\r\n\r\n")).protocol,
            DetectedProtocol::http1);
  EXPECT_EQ(detectProtocol(bytesOf("GET /health HTTP/1.1")).protocol, DetectedProtocol::undecided);
  EXPECT_EQ(detectProtocol(bytesOf(kPreface)).protocol, DetectedProtocol::http2);
  EXPECT_EQ(detectProtocol(bytesOf(kPreface.substr(0, 20))).protocol, DetectedProtocol::undecided);
  const auto detection = detectProtocol(bytesOf("GET / HTTP/1.1\r\n"));
  EXPECT_TRUE(detection.reason.empty());
  EXPECT_TRUE(detection.tls.serverName.empty());
}

TEST(ProtocolDetectorTest, AnythingElseIsOpaque) {
  for (const std::string_view text :
       {"\x80\x2e\x01", "SSH-2.0-OpenSSH_9.2\r\n", "INFO {\"server_id\":1}\r\n",
        "*1\r\n$4\r\nPING\r\n", "\r\n", "PRI * HTTP/2.0X"}) {
    const auto detection = detectProtocol(bytesOf(text));
    EXPECT_EQ(detection.protocol, DetectedProtocol::opaque) << text;
    EXPECT_EQ(detection.reason, "not HTTP or TLS");
  }
}

TEST(ProtocolDetectorTest, ARequestLineLongerThanTheBufferIsHttpForTheCodecToRefuse) {
  // The HTTP codec answers it 414; forwarded as bytes it would pass unexamined.
  const auto longLine = bytesOf("GET /" + std::string(200, 'a'));
  EXPECT_EQ(detectProtocol(longLine, longLine.size() + 1).protocol, DetectedProtocol::undecided);
  for (const std::size_t maxBytes : {longLine.size(), longLine.size() - 1}) {
    const auto detection = detectProtocol(longLine, maxBytes);
    EXPECT_EQ(detection.protocol, DetectedProtocol::http1);
  }
}

TEST(ProtocolDetectorTest, NoDecisionWithinMaxBytesIsOpaque) {
  // Not a request line: nothing to hand the HTTP codec.
  const auto word = bytesOf(std::string(20, 'a'));
  for (const std::size_t maxBytes : {word.size(), word.size() - 1, std::size_t{1}}) {
    const auto detection = detectProtocol(word, maxBytes);
    EXPECT_EQ(detection.protocol, DetectedProtocol::opaque);
    EXPECT_EQ(detection.reason, "no decision within the detection buffer");
  }
  // A decision that is already there wins over the cap.
  const auto line = bytesOf("GET / HTTP/1.1\r\n");
  EXPECT_EQ(detectProtocol(line, line.size()).protocol, DetectedProtocol::http1);
}

TEST(ProtocolDetectorTest, TlsWithinATinyCapIsOpaque) {
  // Too few bytes allowed to even read the handshake header.
  const auto detection = detectProtocol(Bytes{0x16, 0x03, 0x01}, 3);
  EXPECT_EQ(detection.protocol, DetectedProtocol::opaque);
  EXPECT_EQ(detection.reason, "no decision within the detection buffer");
  // A hello that cannot fit is refused from its headers.
  const auto hello = openSslClientHello({.maxVersion = 0, .serverName = "a.example", .alpn = {}});
  const auto big = detectProtocol(firstBytes(hello, 9), hello.size() - 1);
  EXPECT_EQ(big.protocol, DetectedProtocol::opaque);
  EXPECT_EQ(big.reason, "ClientHello larger than the detection limit");
  EXPECT_EQ(detectProtocol(hello, hello.size()).protocol, DetectedProtocol::tls);
}

TEST(ProtocolDetectorTest, NeverUndecidedAtMaxBytes) {
  const auto hello =
      openSslClientHello({.maxVersion = 0, .serverName = "a.example", .alpn = {"h2"}});
  const std::vector<Bytes> inputs = {hello, bytesOf(kPreface), bytesOf("POST /upload HTTP/1.1\r\n"),
                                     Bytes(64, 'A')};
  for (const auto& input : inputs) {
    for (std::size_t n = 0; n <= input.size(); ++n) {
      for (std::size_t maxBytes = 0; maxBytes <= n; ++maxBytes) {
        ASSERT_NE(detectProtocol(firstBytes(input, n), maxBytes).protocol,
                  DetectedProtocol::undecided)
            << n << " bytes, maxBytes " << maxBytes;
      }
    }
  }
}

TEST(ProtocolDetectorTest, OnlyPartialRequestLinesAndTlsRecordsAreWorthWaitingFor) {
  EXPECT_TRUE(worthWaitingForMore(bytesOf("GET /ind")));
  EXPECT_TRUE(worthWaitingForMore(bytesOf("PRI * HTTP/2")));
  EXPECT_TRUE(worthWaitingForMore(
      firstBytes(openSslClientHello({.maxVersion = 0, .serverName = "a.example", .alpn = {}}), 3)));
  EXPECT_FALSE(worthWaitingForMore(bytesOf("hello")));
  EXPECT_FALSE(worthWaitingForMore(bytesOf("G")));
  EXPECT_FALSE(worthWaitingForMore(bytesOf("PING")));
}

}  // namespace
}  // namespace wasmesh::proxy
