#include "ComponentReader.h"

namespace wasmesh::wasm::component {

std::optional<std::uint8_t> ComponentReader::byte() {
  if (position_ >= end_)
    return std::nullopt;
  return bytes_[position_++];
}

std::optional<std::uint8_t> ComponentReader::peek() const {
  if (position_ >= end_)
    return std::nullopt;
  return bytes_[position_];
}

std::optional<std::uint64_t> ComponentReader::unsignedLeb(unsigned maxBits) {
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

std::optional<std::uint32_t> ComponentReader::u32() {
  auto value = unsignedLeb(32);
  if (!value)
    return std::nullopt;
  return static_cast<std::uint32_t>(*value);
}

std::optional<std::uint64_t> ComponentReader::u64() {
  return unsignedLeb(64);
}

std::optional<std::string> ComponentReader::name() {
  auto length = u32();
  if (!length || *length > remaining())
    return std::nullopt;
  std::string text(reinterpret_cast<const char*>(bytes_.data() + position_), *length);
  if (!isValidUtf8(text))
    return std::nullopt;
  position_ += *length;
  return text;
}

std::optional<ComponentReader> ComponentReader::slice(std::uint64_t length) {
  if (length > remaining())
    return std::nullopt;
  ComponentReader sub(bytes_, position_, position_ + length);
  position_ += length;
  return sub;
}

bool ComponentReader::skip(std::uint64_t length) {
  if (length > remaining())
    return false;
  position_ += length;
  return true;
}

bool ComponentReader::skipLeb() {
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

bool isValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    std::size_t length = 0;
    std::uint32_t codePoint = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if ((lead & 0xe0U) == 0xc0) {
      length = 2;
      codePoint = lead & 0x1fU;
    } else if ((lead & 0xf0U) == 0xe0) {
      length = 3;
      codePoint = lead & 0x0fU;
    } else if ((lead & 0xf8U) == 0xf0) {
      length = 4;
      codePoint = lead & 0x07U;
    } else {
      return false;
    }
    if (i + length > text.size())
      return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<std::uint8_t>(text[i + k]);
      if ((next & 0xc0U) != 0x80)
        return false;
      codePoint = (codePoint << 6) | (next & 0x3fU);
    }
    constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (codePoint < kMinimum[length] || codePoint > 0x10ffff ||
        (codePoint >= 0xd800 && codePoint <= 0xdfff))
      return false;
    i += length;
  }
  return true;
}

}  // namespace wasmesh::wasm::component
