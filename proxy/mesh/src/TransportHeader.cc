#include "wasmesh/proxy/TransportHeader.h"

#include <algorithm>
#include <array>
#include <optional>

#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::proxy {
namespace {

constexpr std::size_t kLengthBytes = 4;
constexpr std::size_t kRecordAt = kTransportMagic.size() + kLengthBytes;
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kTlvHeaderBytes = 3;  // type u8, length u16

constexpr std::uint8_t kPortType = 0x01;
constexpr std::uint8_t kProtocolType = 0x02;
constexpr std::uint8_t kComponentType = 0x03;
// 0x80..0xFF: extensions a decoder that does not know them skips, so a later client can add
// optional information without a new version. 0x00 and 0x04..0x7F are reserved: a decoder
// refuses them, so a field whose meaning matters can never be silently dropped.
constexpr std::uint8_t kFirstExtensionType = 0x80;

constexpr std::size_t kPortBytes = 2;
constexpr std::size_t kProtocolBytes = 1;
constexpr std::size_t kMaxComponentBytes = 63;
// The version and the two required TLVs: a shorter record cannot be valid.
constexpr std::size_t kMinRecordBytes =
    1 + (kTlvHeaderBytes + kPortBytes) + (kTlvHeaderBytes + kProtocolBytes);

// RFC 1123 label, the rule SPIFFE component identities use too (common/'s isDnsLabel).
bool isComponentName(std::span<const std::uint8_t> name) {
  return isDnsLabel({reinterpret_cast<const char*>(name.data()), name.size()});
}

bool isKnownProtocol(std::uint8_t value) {
  return value <= static_cast<std::uint8_t>(SessionProtocol::detect);
}

std::uint32_t bigEndian(std::span<const std::uint8_t> bytes) {
  std::uint32_t value = 0;
  for (const auto byte : bytes)
    value = (value << 8U) | byte;
  return value;
}

void putBigEndian(std::vector<std::uint8_t>& out, std::uint32_t value, std::size_t width) {
  for (std::size_t i = width; i > 0; --i)
    out.push_back(static_cast<std::uint8_t>(value >> (8U * (i - 1))));
}

void putTlv(std::vector<std::uint8_t>& out, std::uint8_t type,
            std::span<const std::uint8_t> value) {
  out.push_back(type);
  putBigEndian(out, static_cast<std::uint32_t>(value.size()), 2);
  out.insert(out.end(), value.begin(), value.end());
}

TransportHeaderDecode incomplete() {
  return {};
}

TransportHeaderDecode invalid(std::string_view problem,
                              errc code = errc::invalid_transport_header) {
  TransportHeaderDecode decode;
  decode.status = TransportHeaderDecode::Status::invalid;
  decode.error = code;
  decode.problem = problem;
  return decode;
}

// The record as far as it has arrived, and its declared length. A read that the declared
// length does not allow is a lie of the peer (invalid); one that it allows but whose bytes
// are not here yet is a read to wait for (incomplete). Telling the two apart at every
// field is what lets the decoder refuse at the first wrong field instead of at the end.
class RecordCursor {
 public:
  RecordCursor(std::span<const std::uint8_t> arrived, std::size_t declared)
      : arrived_(arrived.first(std::min(arrived.size(), declared))), declared_(declared) {}

  [[nodiscard]] bool atEnd() const { return offset_ == declared_; }
  [[nodiscard]] bool fits(std::size_t count) const { return count <= declared_ - offset_; }
  [[nodiscard]] bool arrived(std::size_t count) const { return count <= arrived_.size() - offset_; }
  // Only after arrived(count).
  std::span<const std::uint8_t> take(std::size_t count) {
    const auto bytes = arrived_.subspan(offset_, count);
    offset_ += count;
    return bytes;
  }

 private:
  std::span<const std::uint8_t> arrived_;
  std::size_t declared_;
  std::size_t offset_ = 0;
};

// The problem with a TLV of `type` declaring `length` value bytes, or empty.
std::string_view lengthProblem(std::uint8_t type, std::size_t length) {
  switch (type) {
    case kPortType:
      return length == kPortBytes ? std::string_view{} : "target port TLV length is not 2";
    case kProtocolType:
      return length == kProtocolBytes ? std::string_view{} : "session protocol TLV length is not 1";
    case kComponentType:
      return length >= 1 && length <= kMaxComponentBytes ? std::string_view{}
                                                         : "component TLV length is not 1..63";
    default:
      return {};
  }
}

// Reads one TLV into `header`, or says why it cannot: incomplete or invalid.
std::optional<TransportHeaderDecode> readTlv(RecordCursor& record, int& previousType,
                                             TransportHeader& header) {
  if (!record.fits(kTlvHeaderBytes))
    return invalid("TLV header overruns the record");
  if (!record.arrived(1))
    return incomplete();
  const auto type = record.take(1)[0];
  if (type != kPortType && type != kProtocolType && type != kComponentType &&
      type < kFirstExtensionType) {
    return invalid("unknown TLV type (0x00, 0x04..0x7f are reserved)");
  }
  if (type == previousType)
    return invalid("duplicate TLV type");
  if (type < previousType)
    return invalid("TLV types out of ascending order");
  previousType = type;

  if (!record.arrived(2))
    return incomplete();
  const auto length = bigEndian(record.take(2));
  if (const auto problem = lengthProblem(type, length); !problem.empty())
    return invalid(problem);
  if (!record.fits(length))
    return invalid("TLV value overruns the record");
  if (!record.arrived(length))
    return incomplete();
  const auto value = record.take(length);

  switch (type) {
    case kPortType: {
      const auto port = bigEndian(value);
      if (port == 0)
        return invalid("target port is 0");
      header.targetPort = static_cast<std::uint16_t>(port);
      break;
    }
    case kProtocolType:
      if (!isKnownProtocol(value[0]))
        return invalid("unknown session protocol");
      header.protocol = static_cast<SessionProtocol>(value[0]);
      break;
    case kComponentType:
      if (!isComponentName(value))
        return invalid("component is not a DNS label");
      header.component.emplace(value.begin(), value.end());
      break;
    default:
      break;  // an extension this version does not know: skipped
  }
  return std::nullopt;
}

}  // namespace

Result<std::vector<std::uint8_t>> encodeTransportHeader(const TransportHeader& header) {
  const auto protocol = static_cast<std::uint8_t>(header.protocol);
  if (header.targetPort == 0 || !isKnownProtocol(protocol))
    return errc::invalid_transport_header;
  std::span<const std::uint8_t> component;
  if (header.component) {
    component = {reinterpret_cast<const std::uint8_t*>(header.component->data()),
                 header.component->size()};
    if (!isComponentName(component))
      return errc::invalid_transport_header;
  }
  const std::size_t recordBytes =
      kMinRecordBytes + (header.component ? kTlvHeaderBytes + component.size() : 0);

  std::vector<std::uint8_t> out(kTransportMagic.begin(), kTransportMagic.end());
  out.reserve(kRecordAt + recordBytes);
  putBigEndian(out, static_cast<std::uint32_t>(recordBytes), kLengthBytes);
  out.push_back(kVersion);
  const std::array<std::uint8_t, kPortBytes> port = {
      static_cast<std::uint8_t>(header.targetPort >> 8U),
      static_cast<std::uint8_t>(header.targetPort & 0xFFU)};
  putTlv(out, kPortType, port);
  putTlv(out, kProtocolType, std::span(&protocol, 1));
  if (header.component)
    putTlv(out, kComponentType, component);
  return out;
}

TransportHeaderDecode decodeTransportHeader(std::span<const std::uint8_t> bytes) {
  // Byte by byte, so a plain TLS or HTTP client on the mesh port is refused on its first.
  const auto magicArrived = std::min(bytes.size(), kTransportMagic.size());
  if (!std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(magicArrived),
                  kTransportMagic.begin())) {
    return invalid("bad magic (not wasmesh/1)");
  }
  if (bytes.size() < kRecordAt)
    return incomplete();
  const auto recordBytes = bigEndian(bytes.subspan(kTransportMagic.size(), kLengthBytes));
  if (recordBytes > kMaxTransportRecordBytes)
    return invalid("record length above 1024", errc::transport_header_too_large);
  if (recordBytes < kMinRecordBytes)
    return invalid("record length below 10 (no room for the required TLVs)");

  RecordCursor record(bytes.subspan(kRecordAt), recordBytes);
  if (!record.arrived(1))
    return incomplete();
  if (record.take(1)[0] != kVersion)
    return invalid("unknown record version");

  TransportHeaderDecode decode;
  int previousType = -1;
  bool hasPort = false;
  bool hasProtocol = false;
  while (!record.atEnd()) {
    if (auto stop = readTlv(record, previousType, decode.header))
      return *stop;
    hasPort = hasPort || previousType == kPortType;
    hasProtocol = hasProtocol || previousType == kProtocolType;
  }
  if (!hasPort)
    return invalid("no target port TLV");
  if (!hasProtocol)
    return invalid("no session protocol TLV");
  decode.status = TransportHeaderDecode::Status::complete;
  decode.consumed = kRecordAt + recordBytes;
  return decode;
}

}  // namespace wasmesh::proxy
