#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"

namespace wasmesh::identity::detail {

// One decoded PEM block. The DER bytes are wiped when the block goes away, because some of
// them are private keys.
class PemBlock {
 public:
  PemBlock(std::string label, std::vector<std::uint8_t> der)
      : label_(std::move(label)), der_(std::move(der)) {}
  ~PemBlock();
  PemBlock(PemBlock&&) noexcept = default;
  PemBlock& operator=(PemBlock&&) noexcept = default;
  PemBlock(const PemBlock&) = delete;
  PemBlock& operator=(const PemBlock&) = delete;

  const std::string& label() const noexcept { return label_; }
  const std::vector<std::uint8_t>& der() const noexcept { return der_; }

 private:
  std::string label_;
  std::vector<std::uint8_t> der_;
};

// Strict RFC 7468 framing: the text is PEM blocks and whitespace, nothing else (no
// explanatory text, no encapsulated headers such as Proc-Type). More than `maxBytes` of
// text or `maxBlocks` blocks, a block without its END line, bad base64, or any other byte
// is errc::malformed_pem.
Result<std::vector<PemBlock>> readPemBlocks(std::string_view text, std::size_t maxBytes,
                                            std::size_t maxBlocks);

// Exactly one block with one of `labels`.
Result<PemBlock> readOnePemBlock(std::string_view text, std::size_t maxBytes,
                                 std::initializer_list<std::string_view> labels);

// Decodes `der` with a d2i_* function into the owning pointer type `Ptr`; empty unless the
// decoder accepted the bytes and consumed all of them.
template <typename Ptr, typename Decode>
Ptr decodeWhole(const std::vector<std::uint8_t>& der, Decode decode) {
  if (der.empty() || der.size() > static_cast<std::size_t>(LONG_MAX))
    return Ptr{};
  const unsigned char* cursor = der.data();
  Ptr object(decode(nullptr, &cursor, static_cast<long>(der.size())));
  if (object && cursor != der.data() + der.size())
    return Ptr{};
  return object;
}

}  // namespace wasmesh::identity::detail
