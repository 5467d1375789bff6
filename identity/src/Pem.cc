#include "Pem.h"

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>

#include "OpenSslSupport.h"

namespace wasmesh::identity::detail {
namespace {

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";
constexpr std::size_t kMaxLabelLength = 64;

struct OpenSslFree {
  void operator()(char* text) const noexcept { OPENSSL_free(text); }
};

// The decoded bytes may be a private key: clear them before they go back to the allocator.
struct OpenSslClearFree {
  long length = 0;
  void operator()(unsigned char* data) const noexcept {
    OPENSSL_clear_free(data, static_cast<std::size_t>(length));
  }
};

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::size_t skipSpace(std::string_view text, std::size_t at) {
  while (at < text.size() && isSpace(text[at]))
    ++at;
  return at;
}

// RFC 7468 allows any printable ASCII but '-'; real labels ("X509 CRL", "PRIVATE KEY") are
// upper case, digits and spaces, and nothing else is worth decoding.
bool isLabel(std::string_view label) {
  return !label.empty() && label.size() <= kMaxLabelLength &&
         std::all_of(label.begin(), label.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
         });
}

// One framed block: base64 decoding is OpenSSL's, with headers refused.
Result<PemBlock> decodeBlock(std::string_view block, std::string_view label) {
  // PEM_read_bio_ex wants the END line terminated.
  std::string framed(block);
  framed += '\n';
  auto bio = readBio(framed);
  if (!bio)
    return bio.error();
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long length = 0;
  const int ok = PEM_read_bio_ex(bio->get(), &name, &header, &data, &length, PEM_FLAG_ONLY_B64);
  const std::unique_ptr<char, OpenSslFree> nameOwner(name);
  const std::unique_ptr<char, OpenSslFree> headerOwner(header);
  const std::unique_ptr<unsigned char, OpenSslClearFree> dataOwner(data, OpenSslClearFree{length});
  OPENSSL_cleanse(framed.data(), framed.size());
  if (ok != 1 || name == nullptr || label != name || data == nullptr || length <= 0)
    return errc::malformed_pem;
  if (header != nullptr && header[0] != '\0')
    return errc::malformed_pem;
  return PemBlock(std::string(label), std::vector<std::uint8_t>(data, data + length));
}

}  // namespace

PemBlock::~PemBlock() {
  if (!der_.empty())
    OPENSSL_cleanse(der_.data(), der_.size());
}

Result<std::vector<PemBlock>> readPemBlocks(std::string_view text, std::size_t maxBytes,
                                            std::size_t maxBlocks) {
  if (text.size() > maxBytes)
    return errc::malformed_pem;
  std::vector<PemBlock> blocks;
  std::size_t at = skipSpace(text, 0);
  while (at < text.size()) {
    if (blocks.size() == maxBlocks || text.substr(at, kBegin.size()) != kBegin)
      return errc::malformed_pem;
    const auto lineEnd = text.find('\n', at);
    if (lineEnd == std::string_view::npos)
      return errc::malformed_pem;
    auto beginLine = text.substr(at, lineEnd - at);
    if (!beginLine.empty() && beginLine.back() == '\r')
      beginLine.remove_suffix(1);
    if (beginLine.size() < kBegin.size() + kDashes.size() ||
        beginLine.substr(beginLine.size() - kDashes.size()) != kDashes) {
      return errc::malformed_pem;
    }
    const auto label =
        beginLine.substr(kBegin.size(), beginLine.size() - kBegin.size() - kDashes.size());
    if (!isLabel(label))
      return errc::malformed_pem;
    std::string endLine = "-----END ";
    endLine.append(label).append(kDashes);
    const auto endAt = text.find(endLine, lineEnd);
    if (endAt == std::string_view::npos)
      return errc::malformed_pem;  // truncated
    const auto blockEnd = endAt + endLine.size();
    if (blockEnd < text.size() && !isSpace(text[blockEnd]))
      return errc::malformed_pem;
    auto block = decodeBlock(text.substr(at, blockEnd - at), label);
    if (!block)
      return block.error();
    blocks.push_back(std::move(*block));
    at = skipSpace(text, blockEnd);
  }
  if (blocks.empty())
    return errc::malformed_pem;
  return blocks;
}

Result<PemBlock> readOnePemBlock(std::string_view text, std::size_t maxBytes,
                                 std::initializer_list<std::string_view> labels) {
  auto blocks = readPemBlocks(text, maxBytes, 1);
  if (!blocks)
    return blocks.error();
  auto& block = blocks->front();
  if (std::find(labels.begin(), labels.end(), block.label()) == labels.end())
    return errc::malformed_pem;
  return std::move(block);
}

}  // namespace wasmesh::identity::detail
