#include "wasmesh/deploy/Base64.h"

#include <openssl/evp.h>

#include <vector>

namespace wasmesh::deploy {

std::string base64Encode(std::string_view bytes) {
  std::string out;
  constexpr std::size_t kChunk = 3 * 1024;  // EVP_EncodeBlock takes an int length
  for (std::size_t at = 0; at < bytes.size(); at += kChunk) {
    const auto length = std::min(kChunk, bytes.size() - at);
    std::vector<unsigned char> encoded((length + 2) / 3 * 4 + 1);
    const int written =
        EVP_EncodeBlock(encoded.data(), reinterpret_cast<const unsigned char*>(bytes.data() + at),
                        static_cast<int>(length));
    out.append(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(written));
  }
  return out;
}

}  // namespace wasmesh::deploy
