#pragma once

#include <string>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/TrustBundle.h"

namespace wasmesh::identity {

// identity.trust_anchors holds either the PEM text itself or the path of a PEM file.
bool isInlinePem(const std::string& setting);
Result<TrustBundle> loadTrustAnchors(const std::string& setting);

// A certificate, key or token file: small, so anything larger is refused unread.
Result<std::string> readSmallFile(const std::string& path);
// A bearer token file without its trailing newline; unauthenticated when missing or empty.
Result<std::string> readTokenFile(const std::string& path);

}  // namespace wasmesh::identity
