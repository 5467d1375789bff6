#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <functional>

#include "TlsTestBytes.h"
#include "wasmesh/proxy/ClientHello.h"

namespace wasmesh::proxy {
namespace {

using testing::alpnExtension;
using testing::Bytes;
using testing::bytesOf;
using testing::clientHello;
using testing::concat;
using testing::extension;
using testing::HelloParts;
using testing::openSslClientHello;
using testing::putU16;
using testing::record;
using testing::serverNameExtension;
using testing::splitIntoRecords;

// Offsets in a hand-built hello with an empty session id (see TlsTestBytes.h).
constexpr std::size_t kRecordLengthAt = 3;
constexpr std::size_t kHandshakeLengthAt = 6;  // 3 bytes
constexpr std::size_t kSessionIdLengthAt = 43;
constexpr std::size_t kCipherSuitesLengthAt = 44;
constexpr std::size_t kExtensionsLengthAt = 52;
constexpr std::size_t kExtensionsAt = 54;

ClientHelloParse parse(const Bytes& bytes, std::size_t maxBytes = 8192) {
  return parseClientHello(bytes, maxBytes);
}

void putU24(Bytes& bytes, std::size_t at, std::size_t value) {
  bytes.at(at) = static_cast<std::uint8_t>(value >> 16);
  putU16(bytes, at + 1, value & 0xFFFF);
}

Bytes helloWith(const std::function<void(HelloParts&)>& edit) {
  HelloParts parts;
  edit(parts);
  return clientHello(parts);
}

Bytes helloWithExtensions(const Bytes& extensions) {
  return helloWith([&](HelloParts& parts) { parts.extensions = extensions; });
}

Bytes firstBytes(const Bytes& bytes, std::size_t n) {
  return Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
}

void expectMalformed(const Bytes& bytes, std::string_view problem) {
  const auto result = parse(bytes);
  EXPECT_EQ(result.status, ClientHelloStatus::malformed);
  EXPECT_EQ(result.problem, problem);
  EXPECT_TRUE(result.hello.serverName.empty());
  EXPECT_TRUE(result.hello.alpn.empty());
}

void expectEveryPrefixIncomplete(const Bytes& bytes) {
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const auto result = parse(firstBytes(bytes, n));
    ASSERT_EQ(result.status, ClientHelloStatus::incomplete) << "prefix of " << n << " bytes";
    EXPECT_TRUE(result.problem.empty());
  }
}

Bytes tls13Hello() {
  return openSslClientHello(
      {.maxVersion = 0, .serverName = "api.example.com", .alpn = {"h2", "http/1.1"}});
}

TEST(ClientHelloTest, OpenSslTls13HelloGivesSniAndAlpn) {
  const auto hello = tls13Hello();
  const auto result = parse(hello);
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "api.example.com");
  EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_TRUE(result.problem.empty());
}

TEST(ClientHelloTest, OpenSslTls12HelloGivesSniAndAlpn) {
  const auto hello = openSslClientHello(
      {.maxVersion = TLS1_2_VERSION, .serverName = "db.internal", .alpn = {"http/1.1"}});
  const auto result = parse(hello);
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "db.internal");
  EXPECT_EQ(result.hello.alpn, std::vector<std::string>{"http/1.1"});
}

TEST(ClientHelloTest, OpenSslHelloWithoutSniOrAlpn) {
  for (const int version : {0, TLS1_2_VERSION}) {
    const auto result =
        parse(openSslClientHello({.maxVersion = version, .serverName = "", .alpn = {}}));
    ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
    EXPECT_EQ(result.hello.serverName, "");
    EXPECT_TRUE(result.hello.alpn.empty());
  }
}

TEST(ClientHelloTest, EveryPrefixOfARealHelloIsIncomplete) {
  for (const int version : {0, TLS1_2_VERSION}) {
    const auto hello =
        openSslClientHello({.maxVersion = version, .serverName = "a.example", .alpn = {}});
    expectEveryPrefixIncomplete(hello);
    EXPECT_EQ(parse(hello).status, ClientHelloStatus::complete);
  }
}

TEST(ClientHelloTest, BytesAfterTheHelloAreIgnored) {
  const auto hello = tls13Hello();
  const auto withEarlyData = concat(hello, record(bytesOf("early data"), 23));
  const auto result = parse(withEarlyData);
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "api.example.com");
  EXPECT_EQ(parse(concat(hello, {0x16, 0x03})).status, ClientHelloStatus::complete);
}

TEST(ClientHelloTest, HelloSplitAcrossTwoRecords) {
  const auto hello = tls13Hello();
  const auto split = splitIntoRecords(hello, {100});
  ASSERT_EQ(split.size(), hello.size() + 5);
  const auto result = parse(split);
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "api.example.com");
  EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
  expectEveryPrefixIncomplete(split);
}

TEST(ClientHelloTest, HelloSplitAcrossThreeRecordsEvenInsideTheHandshakeHeader) {
  const auto hello = tls13Hello();
  for (const auto& cuts : std::vector<std::vector<std::size_t>>{{1, 3}, {2, 60}, {4, 5}}) {
    const auto split = splitIntoRecords(hello, cuts);
    const auto result = parse(split);
    ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
    EXPECT_EQ(result.hello.serverName, "api.example.com");
    EXPECT_EQ(result.hello.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    expectEveryPrefixIncomplete(split);
  }
}

TEST(ClientHelloTest, NonHandshakeRecordBeforeTheHelloEndsIsMalformed) {
  const auto split = splitIntoRecords(tls13Hello(), {100});
  auto alert = split;
  alert.at(5 + 100) = 21;
  expectMalformed(alert, "non-handshake record before the ClientHello ends");
  auto badVersion = split;
  badVersion.at(5 + 100 + 1) = 2;
  expectMalformed(badVersion, "record version is not 3.x");
}

TEST(ClientHelloTest, TruncatedHelloIsIncomplete) {
  const auto hello = tls13Hello();
  EXPECT_EQ(parse(firstBytes(hello, hello.size() - 1)).status, ClientHelloStatus::incomplete);
  EXPECT_EQ(parse(firstBytes(hello, 5)).status, ClientHelloStatus::incomplete);
}

TEST(ClientHelloTest, DeclaredSizeBeyondMaxBytesIsMalformedBeforeTheBytesArrive) {
  // Record and handshake headers only: 100000 bytes promised, 8192 allowed.
  Bytes header = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01};
  header.push_back(0x01);
  header.push_back(0x86);
  header.push_back(0xA0);
  const auto result = parse(header);
  EXPECT_EQ(result.status, ClientHelloStatus::malformed);
  EXPECT_EQ(result.problem, "ClientHello larger than the detection limit");
  // The same prefix is merely incomplete when the limit allows it.
  EXPECT_EQ(parse(header, 200000).status, ClientHelloStatus::incomplete);
  // A small first record counts the record headers the rest will need.
  // Here: 5 + 4 bytes of the first record, the other 8187 bytes of the message in one more.
  Bytes small = {0x16, 0x03, 0x01, 0x00, 0x04, 0x01, 0x00, 0x1F, 0xFB};  // 8187-byte body
  constexpr std::size_t kEarliestEnd = 5 + 4 + 5 + 8187;
  EXPECT_EQ(parse(small, kEarliestEnd).status, ClientHelloStatus::incomplete);
  EXPECT_EQ(parse(small, kEarliestEnd - 1).status, ClientHelloStatus::malformed);
}

TEST(ClientHelloTest, MaxBytesIsInclusive) {
  const auto hello = tls13Hello();
  EXPECT_EQ(parse(hello, hello.size()).status, ClientHelloStatus::complete);
  EXPECT_EQ(parse(hello, hello.size() - 1).status, ClientHelloStatus::malformed);
  const auto split = splitIntoRecords(hello, {50, 100});
  EXPECT_EQ(parse(split, split.size()).status, ClientHelloStatus::complete);
  // Only the second record's header shows that a third one is needed: decided there.
  const std::size_t secondHeaderEnd = 5 + 50 + 5;
  EXPECT_EQ(parse(firstBytes(split, secondHeaderEnd - 1), split.size() - 1).status,
            ClientHelloStatus::incomplete);
  EXPECT_EQ(parse(firstBytes(split, secondHeaderEnd), split.size() - 1).status,
            ClientHelloStatus::malformed);
}

TEST(ClientHelloTest, HandBuiltHelloWithAndWithoutExtensions) {
  HelloParts parts;
  parts.extensions = concat(serverNameExtension("svc.ns.svc.cluster.local"),
                            concat(extension(0x0a0a, {}), alpnExtension({"h2"})));
  auto result = parse(clientHello(parts));
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "svc.ns.svc.cluster.local");
  EXPECT_EQ(result.hello.alpn, std::vector<std::string>{"h2"});

  parts.extensions.reset();  // clients before TLS 1.2 may send no extensions block
  result = parse(clientHello(parts));
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "");

  parts.extensions = Bytes{};  // an empty block is fine too
  EXPECT_EQ(parse(clientHello(parts)).status, ClientHelloStatus::complete);
}

TEST(ClientHelloTest, RecordLengthLongerThanTheHelloCarriesWhatFollows) {
  // The message ends inside the record: decided then, whatever the rest of the record holds.
  auto hello = clientHello({});
  putU16(hello, kRecordLengthAt, hello.size() - 5 + 10);
  EXPECT_EQ(parse(hello).status, ClientHelloStatus::complete);
}

TEST(ClientHelloTest, RecordLengthShorterThanTheHelloNeedsAnotherRecord) {
  auto hello = clientHello({});
  putU16(hello, kRecordLengthAt, hello.size() - 5 - 10);
  // The last 10 bytes of the message now belong in a second record.
  auto withAlert = firstBytes(hello, hello.size() - 10);
  EXPECT_EQ(parse(withAlert).status, ClientHelloStatus::incomplete);
  withAlert.push_back(21);
  expectMalformed(withAlert, "non-handshake record before the ClientHello ends");
}

TEST(ClientHelloTest, HandshakeLengthSmallerThanItsContentsIsMalformed) {
  auto hello = helloWithExtensions(serverNameExtension("a.example"));
  putU24(hello, kHandshakeLengthAt, hello.size() - 9 - 3);
  expectMalformed(hello, "extensions overrun the ClientHello");
}

TEST(ClientHelloTest, HandshakeLengthLargerThanTheRecordWaitsForTheNextRecord) {
  auto hello = clientHello({});
  putU24(hello, kHandshakeLengthAt, hello.size() - 9 + 4);
  EXPECT_EQ(parse(hello).status, ClientHelloStatus::incomplete);
  // Appending a record with 4 more bytes completes it, and they are trailing bytes.
  expectMalformed(concat(hello, record({1, 2, 3, 4})), "bytes after the extensions");
  expectMalformed(concat(hello, record({1, 2}, 23)),
                  "non-handshake record before the ClientHello ends");
}

TEST(ClientHelloTest, ZeroLengthAndOversizedRecordsAreMalformed) {
  expectMalformed({0x16, 0x03, 0x01, 0x00, 0x00}, "record length is zero");
  expectMalformed({0x16, 0x03, 0x03, 0x40, 0x01}, "record length exceeds 16384");
  EXPECT_EQ(parse({0x16, 0x03, 0x03, 0x40, 0x00}).status, ClientHelloStatus::incomplete);
  // A zero-length record between fragments is just as invalid.
  auto split = splitIntoRecords(clientHello({}), {20});
  split.insert(split.begin() + 5 + 20, {0x16, 0x03, 0x01, 0x00, 0x00});
  expectMalformed(split, "record length is zero");
}

TEST(ClientHelloTest, HandshakeTypeOtherThanClientHelloIsMalformed) {
  auto hello = clientHello({});
  hello.at(5) = 2;  // server_hello
  expectMalformed(hello, "handshake message is not a ClientHello");
  expectMalformed({0x16, 0x03, 0x01, 0x00, 0x10, 0x0b}, "handshake message is not a ClientHello");
}

TEST(ClientHelloTest, SessionIdLengthOverLimitIsMalformed) {
  auto hello = tls13Hello();
  hello.at(kSessionIdLengthAt) = 200;
  expectMalformed(hello, "legacy_session_id longer than 32 bytes");
  EXPECT_EQ(parse(helloWith([](HelloParts& p) { p.sessionId = Bytes(32, 7); })).status,
            ClientHelloStatus::complete);
  expectMalformed(helloWith([](HelloParts& p) { p.sessionId = Bytes(33, 7); }),
                  "legacy_session_id longer than 32 bytes");
}

TEST(ClientHelloTest, CipherSuitesOddEmptyOrOverrunningAreMalformed) {
  expectMalformed(helloWith([](HelloParts& p) {
                    p.cipherSuites = {0x13, 0x01, 0x13};
                  }),
                  "cipher_suites length is zero or odd");
  expectMalformed(helloWith([](HelloParts& p) { p.cipherSuites.clear(); }),
                  "cipher_suites length is zero or odd");
  auto hello = clientHello({});
  putU16(hello, kCipherSuitesLengthAt, 0x4000);
  expectMalformed(hello, "cipher_suites overrun the ClientHello");
}

TEST(ClientHelloTest, CompressionMethodsMustBePresent) {
  expectMalformed(helloWith([](HelloParts& p) { p.compressionMethods.clear(); }),
                  "legacy_compression_methods is empty");
}

TEST(ClientHelloTest, ExtensionsLengthMustEndExactlyAtTheMessage) {
  auto overrun = helloWithExtensions(serverNameExtension("a.example"));
  putU16(overrun, kExtensionsLengthAt, overrun.size() - kExtensionsAt + 1);
  expectMalformed(overrun, "extensions overrun the ClientHello");
  auto shortBlock = helloWithExtensions(serverNameExtension("a.example"));
  putU16(shortBlock, kExtensionsLengthAt, shortBlock.size() - kExtensionsAt - 1);
  expectMalformed(shortBlock, "bytes after the extensions");
  // An extension's own length running past the block.
  auto inner = helloWithExtensions(extension(0x0017, {1, 2, 3}));
  putU16(inner, kExtensionsAt + 2, 4);
  expectMalformed(inner, "extension overruns the extensions block");
}

TEST(ClientHelloTest, ServerNameLengthOverrunningIsMalformed) {
  auto hello = helloWithExtensions(serverNameExtension("a.example"));
  // extension type(2) len(2), list len(2), name type(1), then the name's length.
  putU16(hello, kExtensionsAt + 7, 10);
  expectMalformed(hello, "server_name entry overruns the list");
  auto list = helloWithExtensions(serverNameExtension("a.example"));
  putU16(list, kExtensionsAt + 4, 30);
  expectMalformed(list, "server_name list length does not match the extension");
}

TEST(ClientHelloTest, ServerNameMustBeAHostname) {
  const auto withName = [](const std::string& name) {
    return helloWithExtensions(serverNameExtension(name));
  };
  expectMalformed(withName("bad name"), "server_name is not a hostname");
  expectMalformed(withName(std::string("a\0b", 3)), "server_name is not a hostname");
  expectMalformed(withName("caf\xc3\xa9.example"), "server_name is not a hostname");
  expectMalformed(withName(""), "server_name is empty");
  expectMalformed(withName(std::string(256, 'a')), "server_name longer than 255 bytes");
  const auto longest = parse(withName(std::string(255, 'a')));
  ASSERT_EQ(longest.status, ClientHelloStatus::complete);
  EXPECT_EQ(longest.hello.serverName.size(), 255U);
  EXPECT_EQ(parse(withName("under_score-dash.example.")).hello.serverName,
            "under_score-dash.example.");
  expectMalformed(helloWithExtensions(extension(0, {0x00, 0x00})), "server_name list is empty");
}

TEST(ClientHelloTest, FirstHostNameCountsAndOtherNameTypesAreSkipped) {
  const Bytes list = {0x05, 0x00, 0x01, 'x',  // an unknown name type first
                      0x00, 0x00, 0x03, 'a', '.', 'b', 0x00, 0x00, 0x01, 'c'};
  Bytes data = {0x00, static_cast<std::uint8_t>(list.size())};
  data.insert(data.end(), list.begin(), list.end());
  const auto result = parse(helloWithExtensions(extension(0, data)));
  ASSERT_EQ(result.status, ClientHelloStatus::complete) << result.problem;
  EXPECT_EQ(result.hello.serverName, "a.b");
}

TEST(ClientHelloTest, AlpnListsMustBeWellFormed) {
  expectMalformed(helloWithExtensions(alpnExtension({"h2", ""})), "ALPN protocol name is empty");
  expectMalformed(helloWithExtensions(alpnExtension({})), "ALPN list is empty");
  auto overrun = helloWithExtensions(alpnExtension({"h2"}));
  overrun.at(kExtensionsAt + 6) = 3;
  expectMalformed(overrun, "ALPN protocol name overruns the list");
}

TEST(ClientHelloTest, DuplicateExtensionIsMalformed) {
  expectMalformed(helloWithExtensions(concat(alpnExtension({"h2"}), alpnExtension({"h2"}))),
                  "duplicate extension");
  expectMalformed(helloWithExtensions(concat(extension(0xff01, {0}), extension(0xff01, {0}))),
                  "duplicate extension");
}

TEST(ClientHelloTest, OtherFirstBytesAreNotTls) {
  for (const Bytes& bytes : std::vector<Bytes>{{23},
                                               {21, 3, 3},
                                               {0x80, 0x2e, 0x01, 0x00, 0x02},  // SSLv2 hello
                                               {22, 2},
                                               {22, 3, 5},
                                               bytesOf("GET / HTTP/1.1\r\n")}) {
    const auto result = parse(bytes);
    EXPECT_EQ(result.status, ClientHelloStatus::notTls);
    EXPECT_TRUE(result.problem.empty());
  }
  for (const Bytes& prefix : std::vector<Bytes>{{}, {22}, {22, 3}, {22, 3, 4}, {22, 3, 0, 0}})
    EXPECT_EQ(parse(prefix).status, ClientHelloStatus::incomplete);
}

}  // namespace
}  // namespace wasmesh::proxy
