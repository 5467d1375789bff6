#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasmesh/proxy/TransportHeader.h"

namespace wasmesh::proxy {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Status = TransportHeaderDecode::Status;

// The worked example of docs/mesh-transport.md, byte for byte: port 8080, http2, "echo".
const Bytes kDocExample = {
    0x77, 0x61, 0x73, 0x6d, 0x65, 0x73, 0x68, 0x2f, 0x31, 0x0d, 0x0a,  // wasmesh/1\r\n
    0x00, 0x00, 0x00, 0x11,                                            // record: 17 bytes
    0x01,                                                              // version 1
    0x01, 0x00, 0x02, 0x1f, 0x90,                                      // target port 8080
    0x02, 0x00, 0x01, 0x02,                                            // protocol http2
    0x03, 0x00, 0x04, 0x65, 0x63, 0x68, 0x6f,                          // component "echo"
};

const Bytes kMagic(kTransportMagic.begin(), kTransportMagic.end());

Bytes operator+(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Bytes u16(std::size_t value) {
  return {static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

Bytes u32(std::size_t value) {
  return {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
          static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
}

Bytes tlv(std::uint8_t type, const Bytes& value) {
  return Bytes{type} + u16(value.size()) + value;
}

Bytes text(std::string_view s) {
  return {s.begin(), s.end()};
}

const Bytes kPort80 = tlv(0x01, {0x00, 0x50});
const Bytes kOpaque = tlv(0x02, {0x00});

// A header around `record`, which starts with the version byte.
Bytes framed(const Bytes& record) {
  return kMagic + u32(record.size()) + record;
}

Bytes firstBytes(const Bytes& bytes, std::size_t n) {
  return {bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n)};
}

Bytes encode(const TransportHeader& header) {
  auto bytes = encodeTransportHeader(header);
  EXPECT_TRUE(bytes.has_value());
  return bytes ? *bytes : Bytes{};
}

TransportHeaderDecode decodeComplete(const Bytes& bytes) {
  auto decode = decodeTransportHeader(bytes);
  EXPECT_EQ(decode.status, Status::complete) << decode.problem;
  EXPECT_FALSE(decode.error);
  EXPECT_TRUE(decode.problem.empty());
  return decode;
}

void expectInvalid(const Bytes& bytes, std::string_view problem,
                   errc code = errc::invalid_transport_header) {
  const auto decode = decodeTransportHeader(bytes);
  EXPECT_EQ(decode.status, Status::invalid);
  EXPECT_EQ(decode.error, make_error_code(code));
  EXPECT_EQ(decode.problem, problem);
  EXPECT_EQ(decode.consumed, 0U);
  // Final: more bytes (here, a plausible rest) never change the decision.
  const auto longer = decodeTransportHeader(bytes + kDocExample);
  EXPECT_EQ(longer.status, Status::invalid);
  EXPECT_EQ(longer.problem, problem);
}

TEST(TransportHeader, DocumentedExampleEncodesAndDecodes) {
  const TransportHeader header{8080, SessionProtocol::http2, "echo"};
  EXPECT_EQ(encode(header), kDocExample);
  const auto decode = decodeComplete(kDocExample);
  EXPECT_EQ(decode.header, header);
  EXPECT_EQ(decode.consumed, 32U);
  // The same without the component, also spelled out there.
  const Bytes shortForm = {0x77, 0x61, 0x73, 0x6d, 0x65, 0x73, 0x68, 0x2f, 0x31,
                           0x0d, 0x0a, 0x00, 0x00, 0x00, 0x0a, 0x01, 0x01, 0x00,
                           0x02, 0x1f, 0x90, 0x02, 0x00, 0x01, 0x02};
  EXPECT_EQ(encode({8080, SessionProtocol::http2, std::nullopt}), shortForm);
}

TEST(TransportHeader, MinimalHeaderIsTwentyFiveBytes) {
  const auto bytes = encode({80, SessionProtocol::opaque, std::nullopt});
  EXPECT_EQ(bytes, framed(Bytes{0x01} + kPort80 + kOpaque));
  EXPECT_EQ(bytes.size(), 25U);
  const auto decode = decodeComplete(bytes);
  EXPECT_EQ(decode.header.targetPort, 80);
  EXPECT_EQ(decode.header.protocol, SessionProtocol::opaque);
  EXPECT_FALSE(decode.header.component.has_value());
}

TEST(TransportHeader, TargetPortCoversOneTo65535) {
  for (const unsigned port : {1U, 80U, 255U, 256U, 4143U, 65535U}) {
    const auto decode = decodeComplete(framed(Bytes{0x01} + tlv(0x01, u16(port)) + kOpaque));
    EXPECT_EQ(decode.header.targetPort, port);
  }
}

TEST(TransportHeader, EverySessionProtocolHasItsByte) {
  const std::pair<SessionProtocol, std::uint8_t> protocols[] = {{SessionProtocol::opaque, 0},
                                                                {SessionProtocol::http1, 1},
                                                                {SessionProtocol::http2, 2},
                                                                {SessionProtocol::detect, 3}};
  for (const auto& [protocol, byte] : protocols) {
    const auto bytes = framed(Bytes{0x01} + kPort80 + tlv(0x02, {byte}));
    EXPECT_EQ(encode({80, protocol, std::nullopt}), bytes);
    EXPECT_EQ(decodeComplete(bytes).header.protocol, protocol);
  }
}

TEST(TransportHeader, ComponentNamesAreDnsLabels) {
  for (const auto& name :
       std::vector<std::string>{"a", "0", "echo", "my-filter-2", std::string(63, 'x')}) {
    const auto decode =
        decodeComplete(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x03, text(name))));
    EXPECT_EQ(decode.header.component, name);
  }
  for (const std::string_view name : {"Echo", "-echo", "echo-", "ec_ho", "ec.ho", "ec ho", "é"}) {
    expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x03, text(name))),
                  "component is not a DNS label");
  }
  expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x03, {})),
                "component TLV length is not 1..63");
  expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x03, text(std::string(64, 'x')))),
                "component TLV length is not 1..63");
}

TEST(TransportHeader, RoundTripsEveryProtocolWithAndWithoutComponent) {
  for (const auto protocol : {SessionProtocol::opaque, SessionProtocol::http1,
                              SessionProtocol::http2, SessionProtocol::detect}) {
    for (const auto& component :
         {std::optional<std::string>{}, std::optional<std::string>{"filter-1"},
          std::optional<std::string>{std::string(63, '9')}}) {
      const TransportHeader header{65535, protocol, component};
      const auto bytes = encode(header);
      const auto decode = decodeComplete(bytes);
      EXPECT_EQ(decode.header, header);
      EXPECT_EQ(decode.consumed, bytes.size());
      EXPECT_LE(bytes.size(), kMaxTransportHeaderBytes);
    }
  }
}

TEST(TransportHeader, EncoderRefusesWhatTheDecoderWould) {
  const auto refused = [](const TransportHeader& header) {
    const auto bytes = encodeTransportHeader(header);
    return !bytes && bytes.error() == errc::invalid_transport_header;
  };
  EXPECT_TRUE(refused({0, SessionProtocol::opaque, std::nullopt}));
  EXPECT_TRUE(refused({80, static_cast<SessionProtocol>(4), std::nullopt}));
  EXPECT_TRUE(refused({80, SessionProtocol::http1, ""}));
  EXPECT_TRUE(refused({80, SessionProtocol::http1, "Echo"}));
  EXPECT_TRUE(refused({80, SessionProtocol::http1, "-echo"}));
  EXPECT_TRUE(refused({80, SessionProtocol::http1, std::string(64, 'a')}));
  EXPECT_TRUE(refused({80, SessionProtocol::http1, std::string("ec\0ho", 5)}));
}

TEST(TransportHeader, EveryPrefixOfAValidHeaderIsIncomplete) {
  for (const auto& bytes : {kDocExample, encode({1, SessionProtocol::detect, std::nullopt})}) {
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const auto decode = decodeTransportHeader(firstBytes(bytes, n));
      EXPECT_EQ(decode.status, Status::incomplete) << n;
      EXPECT_EQ(decode.consumed, 0U);
      EXPECT_FALSE(decode.error);
      EXPECT_TRUE(decode.problem.empty());
    }
  }
}

// A reader that appends each piece to what it has and decodes again, as the server does.
TEST(TransportHeader, DecodesWhateverWayTheBytesAreSplit) {
  const auto& bytes = kDocExample;
  for (std::size_t first = 0; first <= bytes.size(); ++first) {
    for (std::size_t second = first; second <= bytes.size(); ++second) {
      Bytes buffer;
      TransportHeaderDecode decode;
      for (const auto end : {first, second, bytes.size()}) {
        buffer.insert(buffer.end(), bytes.begin() + static_cast<std::ptrdiff_t>(buffer.size()),
                      bytes.begin() + static_cast<std::ptrdiff_t>(end));
        decode = decodeTransportHeader(buffer);
        EXPECT_EQ(decode.status, end == bytes.size() ? Status::complete : Status::incomplete);
      }
      EXPECT_EQ(decode.consumed, bytes.size());
      EXPECT_EQ(decode.header.component, "echo");
    }
  }
}

TEST(TransportHeader, ApplicationBytesAfterTheHeaderAreNotLookedAt) {
  for (const auto& rest :
       {text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), Bytes(5000, 0xFF), kDocExample, kMagic}) {
    const auto bytes = kDocExample + rest;
    const auto decode = decodeComplete(bytes);
    EXPECT_EQ(decode.consumed, kDocExample.size());
    EXPECT_EQ(decode.header.targetPort, 8080);
    EXPECT_EQ(firstBytes(bytes, decode.consumed), kDocExample);
  }
}

TEST(TransportHeader, WrongMagicIsRefusedOnTheFirstDifferentByte) {
  expectInvalid(text("G"), "bad magic (not wasmesh/1)");
  expectInvalid({0x16, 0x03, 0x01}, "bad magic (not wasmesh/1)");  // a TLS ClientHello
  for (std::size_t at = 0; at < kMagic.size(); ++at) {
    auto bytes = firstBytes(kDocExample, at + 1);
    bytes[at] ^= 0x20;  // 'W' for 'w', '\x2d' for '\r'...
    expectInvalid(bytes, "bad magic (not wasmesh/1)");
  }
  expectInvalid(text("wasmesh/2\r\n"), "bad magic (not wasmesh/1)");
  expectInvalid(text("wasmesh/1\n"), "bad magic (not wasmesh/1)");
}

TEST(TransportHeader, RecordLengthAboveTheLimitIsRefusedFromTheLengthAlone) {
  for (const std::size_t length : {1025UL, 0x10000UL, 0xFFFFFFFFUL}) {
    expectInvalid(kMagic + u32(length), "record length above 1024",
                  errc::transport_header_too_large);
  }
}

TEST(TransportHeader, RecordLengthBelowTheRequiredFieldsIsInvalid) {
  for (const std::size_t length : {0UL, 1UL, 9UL}) {
    expectInvalid(kMagic + u32(length), "record length below 10 (no room for the required TLVs)");
  }
}

TEST(TransportHeader, RecordOfExactlyTheLimitIsAccepted) {
  // Padding in an extension TLV brings the record to 1024 bytes: 1 + 5 + 4 + 3 + 1011.
  const auto bytes = framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0xFE, Bytes(1011, 0)));
  ASSERT_EQ(bytes.size(), kMaxTransportHeaderBytes);
  EXPECT_EQ(decodeComplete(bytes).consumed, kMaxTransportHeaderBytes);
  EXPECT_EQ(decodeTransportHeader(firstBytes(bytes, bytes.size() - 1)).status, Status::incomplete);
}

TEST(TransportHeader, UnknownVersionIsInvalid) {
  for (const std::uint8_t version : {0, 2, 0xFF})
    expectInvalid(framed(Bytes{version} + kPort80 + kOpaque), "unknown record version");
  // Decided on the version byte, before the rest of the record.
  expectInvalid(kMagic + u32(10) + Bytes{2}, "unknown record version");
}

TEST(TransportHeader, TargetPortMustBeTwoBytesAndNotZero) {
  expectInvalid(framed(Bytes{0x01} + tlv(0x01, {0x00, 0x00}) + kOpaque), "target port is 0");
  expectInvalid(framed(Bytes{0x01} + tlv(0x01, {0x50}) + kOpaque + Bytes(1, 0)),
                "target port TLV length is not 2");
  expectInvalid(framed(Bytes{0x01} + tlv(0x01, {0x00, 0x00, 0x50}) + kOpaque),
                "target port TLV length is not 2");
}

TEST(TransportHeader, SessionProtocolMustBeOneKnownByte) {
  for (const std::uint8_t value : {4, 0x80, 0xFF})
    expectInvalid(framed(Bytes{0x01} + kPort80 + tlv(0x02, {value})), "unknown session protocol");
  expectInvalid(framed(Bytes{0x01} + kPort80 + tlv(0x02, {0x00, 0x01})),
                "session protocol TLV length is not 1");
  expectInvalid(framed(Bytes{0x01} + kPort80 + tlv(0x02, {}) + Bytes(1, 0)),
                "session protocol TLV length is not 1");
}

TEST(TransportHeader, RequiredTlvsMustBePresent) {
  // Records long enough to pass the length check, made up with an extension.
  expectInvalid(framed(Bytes{0x01} + kOpaque + tlv(0x80, Bytes(2, 0))), "no target port TLV");
  expectInvalid(framed(Bytes{0x01} + kPort80 + tlv(0x80, Bytes(1, 0))), "no session protocol TLV");
  expectInvalid(framed(Bytes{0x01} + tlv(0x80, Bytes(6, 0))), "no target port TLV");
}

TEST(TransportHeader, ReservedTypesAreInvalid) {
  for (const std::uint8_t type : {0x00, 0x04, 0x05, 0x40, 0x7F}) {
    expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(type, {0x01})),
                  "unknown TLV type (0x00, 0x04..0x7f are reserved)");
  }
  // Decided on the type byte, before its length and value arrive.
  expectInvalid(kMagic + u32(20) + Bytes{0x01, 0x04},
                "unknown TLV type (0x00, 0x04..0x7f are reserved)");
}

TEST(TransportHeader, ExtensionTypesAreSkipped) {
  const auto bytes = framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x03, text("echo")) +
                            tlv(0x80, {}) + tlv(0x81, text("future")) + tlv(0xFF, Bytes(300, 7)));
  const auto decode = decodeComplete(bytes);
  EXPECT_EQ(decode.header, (TransportHeader{80, SessionProtocol::opaque, "echo"}));
  EXPECT_EQ(decode.consumed, bytes.size());
  // And every prefix of it still waits for the rest.
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_EQ(decodeTransportHeader(firstBytes(bytes, n)).status, Status::incomplete) << n;
}

TEST(TransportHeader, DuplicateTypesAreInvalid) {
  expectInvalid(framed(Bytes{0x01} + kPort80 + kPort80 + kOpaque), "duplicate TLV type");
  expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + kOpaque), "duplicate TLV type");
  expectInvalid(
      framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x03, text("a")) + tlv(0x03, text("b"))),
      "duplicate TLV type");
  expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x90, {}) + tlv(0x90, {})),
                "duplicate TLV type");
}

// Ascending order makes the encoding canonical: one header, one byte string.
TEST(TransportHeader, TypesOutOfOrderAreInvalid) {
  expectInvalid(framed(Bytes{0x01} + kOpaque + kPort80), "TLV types out of ascending order");
  expectInvalid(framed(Bytes{0x01} + kPort80 + tlv(0x03, text("a")) + kOpaque),
                "TLV types out of ascending order");
  expectInvalid(framed(Bytes{0x01} + kPort80 + kOpaque + tlv(0x81, {}) + tlv(0x80, {})),
                "TLV types out of ascending order");
}

TEST(TransportHeader, TlvOverrunningTheRecordIsInvalid) {
  const auto body = Bytes{0x01} + kPort80 + kOpaque;
  // The declared record ends inside the component's value: decided on its length field.
  expectInvalid(kMagic + u32(body.size() + 3 + 2) + body + Bytes{0x03, 0x00, 0x04},
                "TLV value overruns the record");
  expectInvalid(kMagic + u32(body.size() + 3) + body + Bytes{0xA0, 0x00, 0x01},
                "TLV value overruns the record");
  // One or two bytes left in the record cannot hold a TLV header: decided without them.
  expectInvalid(kMagic + u32(body.size() + 1) + body, "TLV header overruns the record");
  expectInvalid(kMagic + u32(body.size() + 2) + body, "TLV header overruns the record");
  // An extension whose length reaches past the record into the application bytes.
  expectInvalid(kMagic + u32(11) + Bytes{0x01, 0x80, 0x00, 0x08} + Bytes(20, 0),
                "TLV value overruns the record");
}

TEST(TransportHeader, RecordShorterThanItsTlvsEndsThem) {
  // A valid header whose length leaves the component out: the component bytes are
  // application data, not part of the header.
  const auto body = Bytes{0x01} + kPort80 + kOpaque;
  const auto bytes = kMagic + u32(body.size()) + body + tlv(0x03, text("echo"));
  const auto decode = decodeComplete(bytes);
  EXPECT_FALSE(decode.header.component.has_value());
  EXPECT_EQ(decode.consumed, 25U);
}

}  // namespace
}  // namespace wasmesh::proxy
