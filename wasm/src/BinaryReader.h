#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace wasmesh::wasm {

// Reads the WebAssembly binary encoding from untrusted bytes: every read checks the end and
// reports failure through std::nullopt instead of reading past it.
class BinaryReader {
 public:
  explicit BinaryReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t position() const { return position_; }
  bool atEnd() const { return position_ == bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - position_; }

  std::optional<std::uint8_t> byte();
  std::optional<std::uint64_t> unsignedLeb(unsigned maxBits);
  std::optional<std::uint32_t> u32() {
    auto value = unsignedLeb(32);
    return value ? std::optional<std::uint32_t>(static_cast<std::uint32_t>(*value)) : std::nullopt;
  }
  std::optional<std::string> name();
  // A sub-reader over the next `length` bytes, which this reader skips.
  std::optional<BinaryReader> slice(std::uint64_t length);
  bool skip(std::uint64_t length);
  // Skips one LEB128 number, signed or not, of at most 64 bits.
  bool skipLeb();

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t position_ = 0;
};

}  // namespace wasmesh::wasm
