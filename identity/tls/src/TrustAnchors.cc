#include "wasmesh/identity/TrustAnchors.h"

#include <fstream>

namespace wasmesh::identity {
namespace {

constexpr std::streamsize kMaxFileBytes = std::streamsize{256} * 1024;

}  // namespace

bool isInlinePem(const std::string& setting) {
  return setting.find("-----BEGIN") != std::string::npos;
}

Result<std::string> readSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return errc::malformed_pem;
  std::string text(static_cast<std::size_t>(kMaxFileBytes) + 1, '\0');
  in.read(text.data(), kMaxFileBytes + 1);
  if (in.gcount() > kMaxFileBytes)
    return errc::malformed_pem;
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

Result<std::string> readTokenFile(const std::string& path) {
  auto token = readSmallFile(path);
  if (!token)
    return errc::unauthenticated;
  while (!token->empty() && (token->back() == '\n' || token->back() == '\r'))
    token->pop_back();
  if (token->empty())
    return errc::unauthenticated;
  return token;
}

Result<TrustBundle> loadTrustAnchors(const std::string& setting) {
  if (isInlinePem(setting))
    return TrustBundle::fromPem(setting);
  auto text = readSmallFile(setting);
  if (!text)
    return text.error();
  return TrustBundle::fromPem(*text);
}

}  // namespace wasmesh::identity
