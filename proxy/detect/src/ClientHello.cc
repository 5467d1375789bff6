#include "wasmesh/proxy/ClientHello.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <optional>

namespace wasmesh::proxy {
namespace {

constexpr std::uint8_t kHandshakeRecord = 22;
constexpr std::uint8_t kClientHelloType = 1;
constexpr std::size_t kRecordHeaderSize = 5;
constexpr std::size_t kHandshakeHeaderSize = 4;
// RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes.
constexpr std::size_t kMaxFragment = 16384;
constexpr std::size_t kRandomSize = 32;
constexpr std::size_t kMaxSessionId = 32;
constexpr std::uint32_t kServerNameExtension = 0;
constexpr std::uint32_t kAlpnExtension = 16;
constexpr std::uint32_t kHostNameType = 0;
// RFC 1035's limit on a name's text form; SNI carries no trailing-dot root label.
constexpr std::size_t kMaxHostName = 255;

struct Outcome {
  ClientHelloStatus status = ClientHelloStatus::complete;
  std::string_view problem;
};

Outcome malformed(std::string_view problem) {
  return {ClientHelloStatus::malformed, problem};
}

Outcome incomplete() {
  return {ClientHelloStatus::incomplete, {}};
}

// A cursor over one contiguous, already bounded piece of the handshake message. Reads fail
// instead of running past the end, and every length-prefixed vector becomes its own Reader,
// so an inner length that lies can never reach into the bytes after its container.
class Reader {
 public:
  Reader() = default;
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  [[nodiscard]] bool empty() const { return bytes_.empty(); }
  [[nodiscard]] std::size_t size() const { return bytes_.size(); }
  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return bytes_; }

  // A big-endian unsigned integer of `width` bytes (1 to 3).
  [[nodiscard]] bool number(std::size_t width, std::uint32_t& out) {
    if (bytes_.size() < width)
      return false;
    out = 0;
    for (std::size_t i = 0; i < width; ++i)
      out = (out << 8U) | bytes_[i];
    bytes_ = bytes_.subspan(width);
    return true;
  }

  [[nodiscard]] bool skip(std::size_t count) {
    if (bytes_.size() < count)
      return false;
    bytes_ = bytes_.subspan(count);
    return true;
  }

  // A TLS vector: a `width`-byte length, then that many bytes, all inside this reader.
  [[nodiscard]] bool vector(std::size_t width, Reader& out) {
    std::uint32_t length = 0;
    if (!number(width, length) || bytes_.size() < length)
      return false;
    out = Reader(bytes_.first(length));
    bytes_ = bytes_.subspan(length);
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

// Where the records carrying the message end at the earliest: the record that starts at
// `recordStart` carries `recordLength` bytes after `gatheredBefore` handshake bytes, and any
// records after it are assumed full-size. Checked again at every record header, so the bound
// only grows as the peer's real (possibly tiny) records arrive.
std::size_t earliestEnd(std::size_t recordStart, std::size_t recordLength,
                        std::size_t gatheredBefore, std::size_t messageSize) {
  const std::size_t fromHere = messageSize - gatheredBefore;
  if (recordLength >= fromHere)
    return recordStart + kRecordHeaderSize + fromHere;
  const std::size_t rest = fromHere - recordLength;
  const std::size_t moreRecords = (rest + kMaxFragment - 1) / kMaxFragment;
  return recordStart + kRecordHeaderSize + recordLength + rest + moreRecords * kRecordHeaderSize;
}

// Walks the handshake records at the start of `bytes` until they hold the whole handshake
// message, then points `message` at it: into `bytes` when the first record holds all of it,
// else into `joined`, where the fragments are concatenated. Decisions depend only on bytes
// already read, in order, so a decision taken on a prefix holds for every longer buffer.
Outcome gatherMessage(std::span<const std::uint8_t> bytes, std::size_t maxBytes,
                      std::vector<std::uint8_t>& joined, std::span<const std::uint8_t>& message) {
  std::array<std::uint8_t, kHandshakeHeaderSize> header{};
  std::optional<std::size_t> messageSize;  // known once the handshake header is
  std::size_t gathered = 0;                // handshake bytes in the records before `pos`
  std::size_t pos = 0;                     // start of the current record
  for (bool first = true;; first = false) {
    // Until the first record header checks out this may be any protocol, so a mismatch
    // there is notTls; after that the peer has committed to TLS and a mismatch is malformed.
    const auto mismatch = [first](std::string_view problem) {
      return first ? Outcome{ClientHelloStatus::notTls, {}} : malformed(problem);
    };
    if (pos >= bytes.size())
      return incomplete();
    if (bytes[pos] != kHandshakeRecord)
      return mismatch("non-handshake record before the ClientHello ends");
    if (pos + 1 >= bytes.size())
      return incomplete();
    if (bytes[pos + 1] != 3)
      return mismatch("record version is not 3.x");
    if (pos + 2 >= bytes.size())
      return incomplete();
    if (bytes[pos + 2] > 4)
      return mismatch("record version is not 3.0 to 3.4");
    if (pos + kRecordHeaderSize > bytes.size())
      return incomplete();
    const std::size_t recordLength =
        (static_cast<std::size_t>(bytes[pos + 3]) << 8U) | bytes[pos + 4];
    if (recordLength == 0)
      return malformed("record length is zero");
    if (recordLength > kMaxFragment)
      return malformed("record length exceeds 16384");
    if (messageSize && earliestEnd(pos, recordLength, gathered, *messageSize) > maxBytes)
      return malformed("ClientHello larger than the detection limit");

    const std::size_t fragmentStart = pos + kRecordHeaderSize;
    std::size_t used = 0;  // bytes of this record's fragment consumed so far
    while (gathered + used < kHandshakeHeaderSize && used < recordLength) {
      if (fragmentStart + used >= bytes.size())
        return incomplete();
      header.at(gathered + used) = bytes[fragmentStart + used];
      ++used;
      if (gathered + used == 1 && header[0] != kClientHelloType)
        return malformed("handshake message is not a ClientHello");
      if (gathered + used == kHandshakeHeaderSize) {
        const std::size_t bodySize = (static_cast<std::size_t>(header[1]) << 16U) |
                                     (static_cast<std::size_t>(header[2]) << 8U) | header[3];
        messageSize = kHandshakeHeaderSize + bodySize;
        if (earliestEnd(pos, recordLength, gathered, *messageSize) > maxBytes)
          return malformed("ClientHello larger than the detection limit");
      }
    }

    const std::size_t wanted = messageSize ? *messageSize - gathered : recordLength;
    const std::size_t take = std::min(recordLength, wanted);
    // The common case, one record holding the whole message, needs no copy.
    if (first && messageSize && take == wanted) {
      if (fragmentStart + take > bytes.size())
        return incomplete();
      message = bytes.subspan(fragmentStart, take);
      return {};
    }
    if (fragmentStart + take > bytes.size())
      return incomplete();
    const auto fragment = bytes.subspan(fragmentStart, take);
    joined.insert(joined.end(), fragment.begin(), fragment.end());
    gathered += take;
    if (messageSize && gathered == *messageSize) {
      message = joined;
      return {};
    }
    pos = fragmentStart + recordLength;
  }
}

Outcome parseServerName(Reader data, std::string& serverName) {
  Reader list;
  if (!data.vector(2, list) || !data.empty())
    return malformed("server_name list length does not match the extension");
  if (list.empty())
    return malformed("server_name list is empty");
  bool found = false;
  while (!list.empty()) {
    std::uint32_t nameType = 0;
    Reader name;
    if (!list.number(1, nameType) || !list.vector(2, name))
      return malformed("server_name entry overruns the list");
    // RFC 6066 allows one name per type; only host_name exists, and the first one counts.
    if (nameType != kHostNameType || found)
      continue;
    if (name.empty())
      return malformed("server_name is empty");
    if (name.size() > kMaxHostName)
      return malformed("server_name longer than 255 bytes");
    const auto text = name.bytes();
    // Routing and logs use the name as text: reject anything a hostname cannot contain
    // rather than carry controls or spaces into either.
    if (!std::all_of(text.begin(), text.end(),
                     [](std::uint8_t c) { return c >= 0x21 && c <= 0x7E; }))
      return malformed("server_name is not a hostname");
    serverName.assign(text.begin(), text.end());
    found = true;
  }
  return {};
}

Outcome parseAlpn(Reader data, std::vector<std::string>& alpn) {
  Reader list;
  if (!data.vector(2, list) || !data.empty())
    return malformed("ALPN list length does not match the extension");
  if (list.size() < 2)
    return malformed("ALPN list is empty");
  while (!list.empty()) {
    Reader name;
    if (!list.vector(1, name))
      return malformed("ALPN protocol name overruns the list");
    if (name.empty())
      return malformed("ALPN protocol name is empty");
    const auto text = name.bytes();
    alpn.emplace_back(text.begin(), text.end());
  }
  return {};
}

Outcome parseExtensions(Reader extensions, ClientHello& hello) {
  // One bit per extension type: 8 KiB on the stack, but linear in the extension count,
  // where a pairwise search would let a peer cost us quadratic time.
  std::bitset<65536> seen;
  while (!extensions.empty()) {
    std::uint32_t type = 0;
    Reader data;
    if (!extensions.number(2, type) || !extensions.vector(2, data))
      return malformed("extension overruns the extensions block");
    if (seen.test(type))
      return malformed("duplicate extension");
    seen.set(type);
    Outcome outcome;
    if (type == kServerNameExtension)
      outcome = parseServerName(data, hello.serverName);
    else if (type == kAlpnExtension)
      outcome = parseAlpn(data, hello.alpn);
    if (outcome.status != ClientHelloStatus::complete)
      return outcome;
  }
  return {};
}

// The ClientHello body (RFC 8446 §4.1.2). legacy_version is not checked: the server
// negotiates versions, and detection only needs to know the message is well formed.
Outcome parseBody(Reader body, ClientHello& hello) {
  if (!body.skip(2 + kRandomSize))
    return malformed("ClientHello shorter than version and random");
  std::uint32_t sessionIdLength = 0;
  if (!body.number(1, sessionIdLength) || sessionIdLength > kMaxSessionId)
    return malformed("legacy_session_id longer than 32 bytes");
  if (!body.skip(sessionIdLength))
    return malformed("legacy_session_id overruns the ClientHello");
  Reader cipherSuites;
  if (!body.vector(2, cipherSuites))
    return malformed("cipher_suites overrun the ClientHello");
  if (cipherSuites.empty() || cipherSuites.size() % 2 != 0)
    return malformed("cipher_suites length is zero or odd");
  Reader compressionMethods;
  if (!body.vector(1, compressionMethods))
    return malformed("legacy_compression_methods overrun the ClientHello");
  if (compressionMethods.empty())
    return malformed("legacy_compression_methods is empty");
  // Clients older than TLS 1.2 may end the message here (RFC 5246 §7.4.1.2).
  if (body.empty())
    return {};
  Reader extensions;
  if (!body.vector(2, extensions))
    return malformed("extensions overrun the ClientHello");
  if (!body.empty())
    return malformed("bytes after the extensions");
  return parseExtensions(extensions, hello);
}

}  // namespace

ClientHelloParse parseClientHello(std::span<const std::uint8_t> bytes, std::size_t maxBytes) {
  ClientHelloParse result;
  std::vector<std::uint8_t> joined;
  std::span<const std::uint8_t> message;
  Outcome outcome = gatherMessage(bytes, maxBytes, joined, message);
  if (outcome.status == ClientHelloStatus::complete)
    outcome = parseBody(Reader(message.subspan(kHandshakeHeaderSize)), result.hello);
  result.status = outcome.status;
  result.problem = outcome.problem;
  if (outcome.status != ClientHelloStatus::complete)
    result.hello = {};
  return result;
}

}  // namespace wasmesh::proxy
