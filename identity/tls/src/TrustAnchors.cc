#include "wasmesh/identity/TrustAnchors.h"

#include "wasmesh/common/RegularFile.h"

namespace wasmesh::identity {
namespace {

constexpr std::size_t kMaxFileBytes = std::size_t{256} * 1024;

}  // namespace

bool isInlinePem(const std::string& setting) {
  return setting.find("-----BEGIN") != std::string::npos;
}

Result<std::string> readSmallFile(const std::string& path) {
  return readRegularFile(path, kMaxFileBytes);
}

Result<std::string> readTokenFile(const std::string& path) {
  auto token = readSmallFile(path);
  if (!token)
    return token.error();
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
