#include "BinaryReader.h"

namespace wasmesh::wasm {

std::optional<std::uint8_t> BinaryReader::byte() {
  if (position_ >= bytes_.size())
    return std::nullopt;
  return bytes_[position_++];
}

std::optional<std::uint64_t> BinaryReader::unsignedLeb(unsigned maxBits) {
  std::uint64_t result = 0;
  unsigned shift = 0;
  const unsigned maxBytes = (maxBits + 6) / 7;
  for (unsigned i = 0; i < maxBytes; ++i) {
    auto next = byte();
    if (!next)
      return std::nullopt;
    const std::uint64_t payload = *next & 0x7fU;
    // The last byte may only carry the bits that fit in maxBits.
    if (i == maxBytes - 1 && maxBits % 7 != 0 && (payload >> (maxBits % 7)) != 0)
      return std::nullopt;
    result |= payload << shift;
    if ((*next & 0x80U) == 0)
      return result;
    shift += 7;
  }
  return std::nullopt;
}

std::optional<std::string> BinaryReader::name() {
  auto length = u32();
  if (!length || *length > remaining())
    return std::nullopt;
  std::string text(reinterpret_cast<const char*>(bytes_.data() + position_), *length);
  position_ += *length;
  return text;
}

std::optional<BinaryReader> BinaryReader::slice(std::uint64_t length) {
  if (length > remaining())
    return std::nullopt;
  BinaryReader sub(bytes_.subspan(position_, length));
  position_ += length;
  return sub;
}

bool BinaryReader::skip(std::uint64_t length) {
  if (length > remaining())
    return false;
  position_ += length;
  return true;
}

bool BinaryReader::skipLeb() {
  constexpr int kMaxBytes = 10;
  for (int i = 0; i < kMaxBytes; ++i) {
    auto next = byte();
    if (!next)
      return false;
    if ((*next & 0x80U) == 0)
      return true;
  }
  return false;
}

}  // namespace wasmesh::wasm
