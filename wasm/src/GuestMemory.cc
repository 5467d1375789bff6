#include "wasmesh/wasm/GuestMemory.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace wasmesh::wasm {
namespace {

template <typename T>
std::array<std::uint8_t, sizeof(T)> littleEndian(T value) {
  std::array<std::uint8_t, sizeof(T)> bytes{};
  for (std::size_t i = 0; i < sizeof(T); ++i)
    bytes[i] = static_cast<std::uint8_t>(value >> (8 * i));
  return bytes;
}

}  // namespace

bool GuestMemory::contains(std::uint64_t offset, std::uint64_t length) const {
  // Written so that no addition can wrap around: guest values are arbitrary.
  return offset <= bytes_.size() && length <= bytes_.size() - offset;
}

bool GuestMemory::read(std::uint64_t offset, std::span<std::uint8_t> out) const {
  if (!contains(offset, out.size()))
    return false;
  if (!out.empty())
    std::memcpy(out.data(), bytes_.data() + offset, out.size());
  return true;
}

bool GuestMemory::write(std::uint64_t offset, std::span<const std::uint8_t> data) {
  if (!contains(offset, data.size()))
    return false;
  if (!data.empty())
    std::memcpy(bytes_.data() + offset, data.data(), data.size());
  return true;
}

bool GuestMemory::write(std::uint64_t offset, std::string_view data) {
  return write(offset, std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
}

std::optional<std::uint32_t> GuestMemory::readU32(std::uint64_t offset) const {
  std::array<std::uint8_t, 4> bytes{};
  if (!read(offset, bytes))
    return std::nullopt;
  return static_cast<std::uint32_t>(bytes[0]) | (static_cast<std::uint32_t>(bytes[1]) << 8) |
         (static_cast<std::uint32_t>(bytes[2]) << 16) |
         (static_cast<std::uint32_t>(bytes[3]) << 24);
}

std::optional<std::string> GuestMemory::readString(std::uint64_t offset,
                                                   std::uint64_t length) const {
  if (!contains(offset, length))
    return std::nullopt;
  return std::string(reinterpret_cast<const char*>(bytes_.data() + offset), length);
}

bool GuestMemory::writeU8(std::uint64_t offset, std::uint8_t value) {
  return write(offset, std::span(&value, 1));
}

bool GuestMemory::writeU16(std::uint64_t offset, std::uint16_t value) {
  return write(offset, littleEndian(value));
}

bool GuestMemory::writeU32(std::uint64_t offset, std::uint32_t value) {
  return write(offset, littleEndian(value));
}

bool GuestMemory::writeU64(std::uint64_t offset, std::uint64_t value) {
  return write(offset, littleEndian(value));
}

bool GuestMemory::fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value) {
  if (!contains(offset, length))
    return false;
  std::fill_n(bytes_.begin() + static_cast<std::ptrdiff_t>(offset), length, value);
  return true;
}

}  // namespace wasmesh::wasm
