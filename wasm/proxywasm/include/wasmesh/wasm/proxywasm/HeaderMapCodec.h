#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace wasmesh::wasm::proxywasm {

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// Bounds on a serialized header map. The bytes come from a guest, so both the total size and
// the pair count are capped before anything is allocated from the declared lengths.
struct HeaderMapLimits {
  std::size_t maxBytes = std::size_t{1024} * 1024;
  std::uint32_t maxPairs = 1024;
};

// The proxy-wasm header-map wire format: a little-endian u32 pair count, then count pairs of
// (u32 key length, u32 value length), then each key and each value followed by a NUL byte.
// Pure functions: no guest memory, no state.
class HeaderMapCodec {
 public:
  // nullopt when the map would exceed the limits (the host then answers
  // SERIALIZATION_FAILURE instead of copying an unbounded amount into the guest).
  static std::optional<std::vector<std::uint8_t>> serialize(const HeaderPairs& pairs,
                                                            const HeaderMapLimits& limits = {});
  // nullopt for anything but exactly one well-formed map within the limits: a short buffer,
  // a length running past the end, a missing NUL, trailing bytes.
  static std::optional<HeaderPairs> deserialize(std::span<const std::uint8_t> bytes,
                                                const HeaderMapLimits& limits = {});
  // The serialized size, without building it; nullopt on overflow of size_t.
  static std::optional<std::size_t> serializedSize(const HeaderPairs& pairs);
};

}  // namespace wasmesh::wasm::proxywasm
