// libFuzzer target for parseClientHello: besides "no crash, no UB, no read outside the
// input" (ASan, UBSan), it checks what callers rely on and traps when any fails.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "wasmesh/proxy/ClientHello.h"

namespace {

using wasmesh::proxy::ClientHelloParse;
using wasmesh::proxy::ClientHelloStatus;
using wasmesh::proxy::parseClientHello;

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

bool same(const ClientHelloParse& a, const ClientHelloParse& b) {
  return a.status == b.status && a.problem == b.problem &&
         a.hello.serverName == b.hello.serverName && a.hello.alpn == b.hello.alpn;
}

void checkShape(const ClientHelloParse& parse, std::span<const std::uint8_t> bytes) {
  // A problem is given exactly when the bytes are malformed, and only a complete parse
  // carries a hello.
  check((parse.status == ClientHelloStatus::malformed) == !parse.problem.empty());
  if (parse.status != ClientHelloStatus::complete) {
    check(parse.hello.serverName.empty() && parse.hello.alpn.empty());
    return;
  }
  check(parse.hello.serverName.size() <= 255);
  for (const char c : parse.hello.serverName)
    check(c > ' ' && c < 0x7F);
  // Every name came out of the input with a length byte in front of it.
  std::size_t alpnBytes = 0;
  for (const auto& name : parse.hello.alpn) {
    check(!name.empty() && name.size() <= 255);
    alpnBytes += 1 + name.size();
  }
  check(alpnBytes + parse.hello.serverName.size() <= bytes.size());
  check(bytes.size() >= 5 + 4 + 2 + 32 + 1 + 2 + 2 + 1 + 1);
  check(bytes[0] == 22);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const auto whole = parseClientHello(bytes);
  checkShape(whole, bytes);

  // A decision taken on a prefix is never revised by the bytes that follow it: the proxy
  // acts on the first answer that is not `incomplete`.
  for (std::size_t n = 1; n < size; n *= 2) {
    const auto prefix = parseClientHello(bytes.first(n));
    checkShape(prefix, bytes.first(n));
    if (prefix.status != ClientHelloStatus::incomplete)
      check(same(prefix, whole));
  }
  if (size > 0) {
    const auto allButLast = parseClientHello(bytes.first(size - 1));
    if (allButLast.status != ClientHelloStatus::incomplete)
      check(same(allButLast, whole));
  }

  // With a smaller limit: still waiting means the limit has not been reached (so the caller
  // never waits on a full buffer), and a hello accepted under it lies within it.
  // (24 bytes: four one-byte records, enough to reach the handshake length in any case.)
  const std::size_t limit = std::min<std::size_t>(24 + size / 2, 8192);
  const auto limited = parseClientHello(bytes, limit);
  checkShape(limited, bytes);
  if (limited.status == ClientHelloStatus::incomplete)
    check(size < limit);
  if (limited.status == ClientHelloStatus::complete && size > limit)
    check(same(parseClientHello(bytes.first(limit), limit), limited));
  // A lower limit only ever turns an answer into "malformed: too large".
  if (limited.status != whole.status)
    check(limited.status == ClientHelloStatus::malformed);
  return 0;
}
