#include "wasmesh/wasm/proxywasm/HeaderMapCodec.h"

namespace wasmesh::wasm::proxywasm {
namespace {

void putU32(std::vector<std::uint8_t>& out, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i)
    out[at + i] = static_cast<std::uint8_t>(value >> (8U * i));
}

std::uint32_t getU32(std::span<const std::uint8_t> bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value |= std::uint32_t{bytes[at + i]} << (8U * i);
  return value;
}

}  // namespace

std::optional<std::size_t> HeaderMapCodec::serializedSize(const HeaderPairs& pairs) {
  // Each part is at most SIZE_MAX / 4 for any real string, so the sum is checked per step.
  std::size_t total = 4;
  for (const auto& [key, value] : pairs) {
    const std::size_t add = 8 + key.size() + 1 + value.size() + 1;
    if (add < key.size() || total > SIZE_MAX - add)
      return std::nullopt;
    total += add;
  }
  return total;
}

std::optional<std::vector<std::uint8_t>> HeaderMapCodec::serialize(const HeaderPairs& pairs,
                                                                   const HeaderMapLimits& limits) {
  if (pairs.size() > limits.maxPairs)
    return std::nullopt;
  const auto size = serializedSize(pairs);
  if (!size || *size > limits.maxBytes || *size > UINT32_MAX)
    return std::nullopt;
  std::vector<std::uint8_t> out(*size, 0);
  putU32(out, 0, static_cast<std::uint32_t>(pairs.size()));
  std::size_t lengths = 4;
  std::size_t data = 4 + 8 * pairs.size();
  for (const auto& [key, value] : pairs) {
    putU32(out, lengths, static_cast<std::uint32_t>(key.size()));
    putU32(out, lengths + 4, static_cast<std::uint32_t>(value.size()));
    lengths += 8;
    std::copy(key.begin(), key.end(), out.begin() + static_cast<std::ptrdiff_t>(data));
    data += key.size() + 1;  // the NUL is already there
    std::copy(value.begin(), value.end(), out.begin() + static_cast<std::ptrdiff_t>(data));
    data += value.size() + 1;
  }
  return out;
}

std::optional<HeaderPairs> HeaderMapCodec::deserialize(std::span<const std::uint8_t> bytes,
                                                       const HeaderMapLimits& limits) {
  if (bytes.size() < 4 || bytes.size() > limits.maxBytes)
    return std::nullopt;
  const std::uint32_t count = getU32(bytes, 0);
  // The count is checked against the limit and the buffer before it sizes anything.
  if (count > limits.maxPairs || std::uint64_t{count} * 8 > bytes.size() - 4)
    return std::nullopt;
  HeaderPairs pairs;
  pairs.reserve(count);
  std::size_t data = 4 + std::size_t{8} * count;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::size_t lengths = 4 + std::size_t{8} * i;
    const std::uint64_t sizes[2] = {getU32(bytes, lengths), getU32(bytes, lengths + 4)};
    std::string parts[2];
    for (std::size_t part = 0; part < 2; ++part) {
      // Lengths are u32 and data <= maxBytes, so the sum cannot wrap a 64-bit size.
      if (std::uint64_t{data} + sizes[part] + 1 > bytes.size())
        return std::nullopt;
      const auto* begin = bytes.data() + data;
      if (begin[sizes[part]] != 0)
        return std::nullopt;
      parts[part].assign(begin, begin + sizes[part]);
      data += static_cast<std::size_t>(sizes[part]) + 1;
    }
    pairs.emplace_back(std::move(parts[0]), std::move(parts[1]));
  }
  if (data != bytes.size())
    return std::nullopt;
  return pairs;
}

}  // namespace wasmesh::wasm::proxywasm
