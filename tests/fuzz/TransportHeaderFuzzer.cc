// libFuzzer target for decodeTransportHeader (proxy/mesh): besides "no crash, no UB, no read
// outside the input" (ASan, UBSan; the input buffer is exactly `size` bytes), it checks what
// the server proxy relies on and traps when any fails.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "wasmesh/proxy/TransportHeader.h"

namespace {

using wasmesh::errc;
using wasmesh::proxy::decodeTransportHeader;
using wasmesh::proxy::encodeTransportHeader;
using wasmesh::proxy::kMaxTransportHeaderBytes;
using wasmesh::proxy::kTransportMagic;
using wasmesh::proxy::TransportHeaderDecode;
using Status = TransportHeaderDecode::Status;

constexpr std::size_t kRecordAt = 15;

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

bool same(const TransportHeaderDecode& a, const TransportHeaderDecode& b) {
  return a.status == b.status && a.header == b.header && a.consumed == b.consumed &&
         a.error == b.error && a.problem == b.problem;
}

// The header of a complete decode without its extension TLVs (types 0x80..0xFF) and with
// its record length adjusted: what the encoder must write for the same fields. A plain
// TLV walk, independent of the decoder's, trusting only what a complete decode promises.
std::vector<std::uint8_t> withoutExtensions(std::span<const std::uint8_t> header) {
  std::vector<std::uint8_t> out(header.begin(), header.begin() + kRecordAt + 1);
  for (std::size_t at = kRecordAt + 1; at < header.size();) {
    const std::size_t length = (std::size_t{header[at + 1]} << 8U) | header[at + 2];
    const auto end = at + 3 + length;
    check(end <= header.size());
    if (header[at] < 0x80)
      out.insert(out.end(), header.begin() + static_cast<std::ptrdiff_t>(at),
                 header.begin() + static_cast<std::ptrdiff_t>(end));
    at = end;
  }
  const auto record = out.size() - kRecordAt;
  for (std::size_t i = 0; i < 4; ++i)
    out[11 + i] = static_cast<std::uint8_t>(record >> (8U * (3 - i)));
  return out;
}

void checkShape(const TransportHeaderDecode& decode, std::span<const std::uint8_t> bytes) {
  switch (decode.status) {
    case Status::incomplete:
      check(!decode.error && decode.problem.empty() && decode.consumed == 0);
      // A buffer that long always gets an answer.
      check(bytes.size() < kMaxTransportHeaderBytes);
      // Never waits after a byte that differs from the magic.
      check(std::equal(bytes.begin(),
                       bytes.begin() + static_cast<std::ptrdiff_t>(
                                           std::min(bytes.size(), kTransportMagic.size())),
                       kTransportMagic.begin()));
      break;
    case Status::invalid:
      check(decode.consumed == 0 && !decode.problem.empty());
      check(decode.error == errc::invalid_transport_header ||
            decode.error == errc::transport_header_too_large);
      break;
    case Status::complete: {
      check(!decode.error && decode.problem.empty());
      check(decode.consumed >= kRecordAt + 10 && decode.consumed <= bytes.size() &&
            decode.consumed <= kMaxTransportHeaderBytes);
      // Whatever was accepted can be sent: the encoder writes it back, canonically.
      const auto encoded = encodeTransportHeader(decode.header);
      check(encoded.has_value());
      check(*encoded == withoutExtensions(bytes.first(decode.consumed)));
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const auto whole = decodeTransportHeader(bytes);
  checkShape(whole, bytes);
  // Bytes after a complete header are not looked at.
  if (whole.status == Status::complete)
    check(same(decodeTransportHeader(bytes.first(whole.consumed)), whole));
  // A decision on a prefix is final. Every prefix of a short input (which is where the
  // fuzzer finds the structure), and a spread of them for long ones, to keep runs fast.
  const auto checkPrefix = [&](std::size_t n) {
    const auto prefix = decodeTransportHeader(bytes.first(n));
    checkShape(prefix, bytes.first(n));
    if (prefix.status != Status::incomplete)
      check(same(prefix, whole));
  };
  if (size <= 128) {
    for (std::size_t n = 0; n < size; ++n)
      checkPrefix(n);
  } else {
    for (std::size_t n = 1; n < size; n *= 2)
      checkPrefix(n);
    checkPrefix(size - 1);
    for (std::size_t n = 0; n <= 128; ++n)
      checkPrefix(n);
    if (whole.status == Status::complete)
      checkPrefix(whole.consumed - 1);
  }
  return 0;
}
