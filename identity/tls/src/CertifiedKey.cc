#include "wasmesh/identity/CertifiedKey.h"

namespace wasmesh::identity {

Result<CertifiedKey> CertifiedKey::make(PrivateKey key, std::vector<Certificate> chain,
                                        const TrustBundle& bundle,
                                        std::chrono::system_clock::time_point now) {
  if (chain.empty())
    return errc::malformed_pem;
  auto id = bundle.verify(chain, now);
  if (!id)
    return id.error();
  if (!key.matches(chain.front()))
    return errc::key_mismatch;
  auto serverName = id->serverName();
  if (!serverName)
    return serverName.error();
  return CertifiedKey{std::move(*id), std::move(*serverName), std::move(key), std::move(chain)};
}

}  // namespace wasmesh::identity
