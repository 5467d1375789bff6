// libFuzzer target for the proxy-wasm header-map codec (wasm/proxywasm): the bytes are what a
// guest hands proxy_set_header_map_pairs. Besides "no crash, no UB, no read outside the input"
// (ASan, UBSan), it checks that whatever is accepted is within the limits and serializes back
// to exactly the same bytes (the format is canonical), and traps when either fails.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "wasmesh/wasm/proxywasm/HeaderMapCodec.h"

namespace {

using wasmesh::wasm::proxywasm::HeaderMapCodec;
using wasmesh::wasm::proxywasm::HeaderMapLimits;

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  const HeaderMapLimits limits;
  auto pairs = HeaderMapCodec::deserialize(bytes, limits);
  if (!pairs)
    return 0;
  check(pairs->size() <= limits.maxPairs && size <= limits.maxBytes);
  check(HeaderMapCodec::serializedSize(*pairs) == size);
  auto encoded = HeaderMapCodec::serialize(*pairs, limits);
  check(encoded.has_value());
  check(std::equal(encoded->begin(), encoded->end(), bytes.begin(), bytes.end()));
  return 0;
}
