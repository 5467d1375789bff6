#pragma once

#include <string>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/TrustBundle.h"

namespace wasmesh::identity {

// identity.trust_anchors holds either the PEM text itself or the path of a PEM file.
bool isInlinePem(const std::string& setting);
Result<TrustBundle> loadTrustAnchors(const std::string& setting);

// A certificate, key or token file: a regular file and small, so anything larger is refused
// unread. Errors carry the kernel's reason (ENOENT, EACCES) or errc::not_regular_file.
Result<std::string> readSmallFile(const std::string& path);
// A bearer token file without its trailing newline; the file's error when unreadable,
// unauthenticated when empty.
Result<std::string> readTokenFile(const std::string& path);

}  // namespace wasmesh::identity
