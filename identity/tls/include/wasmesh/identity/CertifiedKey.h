#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/PrivateKey.h"
#include "wasmesh/identity/SpiffeId.h"
#include "wasmesh/identity/TrustBundle.h"

namespace wasmesh::identity {

// A local identity ready to be presented: its key, its chain (leaf first) and what they
// prove. Only made from a chain that verifies against the trust bundle now and whose leaf
// belongs to the key, so a corrupt or foreign certificate never replaces a good one.
struct CertifiedKey {
  SpiffeId id;
  std::string serverName;
  PrivateKey key;
  std::vector<Certificate> chain;

  static Result<CertifiedKey> make(PrivateKey key, std::vector<Certificate> chain,
                                   const TrustBundle& bundle,
                                   std::chrono::system_clock::time_point now);

  std::chrono::system_clock::time_point notAfter() const { return chain.front().notAfter(); }
  std::string serialHex() const { return chain.front().serialHex(); }
};

}  // namespace wasmesh::identity
