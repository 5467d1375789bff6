#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "wasmesh/wasm/component/Utf8.h"

namespace wasmesh::wasm::component {

// Reads the binary encoding from untrusted bytes. Positions are offsets in the whole binary
// (for error messages), even for a reader limited to one section: every read checks the end
// of its range and reports failure instead of reading past it.
class ComponentReader {
 public:
  ComponentReader(std::span<const std::uint8_t> bytes, std::size_t begin, std::size_t end)
      : bytes_(bytes), position_(begin), end_(end) {}

  std::size_t position() const { return position_; }
  std::size_t end() const { return end_; }
  bool atEnd() const { return position_ == end_; }
  std::size_t remaining() const { return end_ - position_; }

  std::optional<std::uint8_t> byte();
  std::optional<std::uint8_t> peek() const;
  std::optional<std::uint32_t> u32();
  std::optional<std::uint64_t> u64();
  // A name: u32 length, then that many bytes of valid UTF-8.
  std::optional<std::string> name();
  // A reader over the next `length` bytes, which this one skips.
  std::optional<ComponentReader> slice(std::uint64_t length);
  bool skip(std::uint64_t length);
  // Skips one LEB128 number, signed or not, of at most 64 bits.
  bool skipLeb();

 private:
  std::optional<std::uint64_t> unsignedLeb(unsigned maxBits);

  std::span<const std::uint8_t> bytes_;
  std::size_t position_;
  std::size_t end_;
};

}  // namespace wasmesh::wasm::component
