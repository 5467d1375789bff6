#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wasmesh::wasm {

// The guest's linear memory for the length of one host call. Every guest pointer is
// untrusted: each access checks offset and length against the current size and reports
// failure instead of touching anything. No pointer into the memory leaves this class, since
// the guest may grow (and so move) its memory as soon as the host call returns.
class GuestMemory {
 public:
  GuestMemory() = default;  // no memory: every access fails
  explicit GuestMemory(std::span<std::uint8_t> bytes) : bytes_(bytes) {}

  std::uint64_t size() const { return bytes_.size(); }
  bool contains(std::uint64_t offset, std::uint64_t length) const;

  bool read(std::uint64_t offset, std::span<std::uint8_t> out) const;
  bool write(std::uint64_t offset, std::span<const std::uint8_t> data);
  bool write(std::uint64_t offset, std::string_view data);
  std::optional<std::uint32_t> readU32(std::uint64_t offset) const;
  std::optional<std::string> readString(std::uint64_t offset, std::uint64_t length) const;
  bool writeU8(std::uint64_t offset, std::uint8_t value);
  bool writeU16(std::uint64_t offset, std::uint16_t value);
  bool writeU32(std::uint64_t offset, std::uint32_t value);
  bool writeU64(std::uint64_t offset, std::uint64_t value);
  bool fill(std::uint64_t offset, std::uint64_t length, std::uint8_t value);

 private:
  std::span<std::uint8_t> bytes_;
};

}  // namespace wasmesh::wasm
