#pragma once

#include <chrono>

#include "wasmesh/identity/IdentityStore.h"
#include "wasmesh/proxy/DiscoveryFile.h"
#include "wasmesh/proxy/http/UpstreamPool.h"

namespace wasmesh::proxy::http {

// The pool's connector: plain TCP for a plain key; for a meshed key, the mesh transport to
// the peer's mesh port (TLS 1.3 proving this proxy's identity, the peer checked against the
// identity discovery names, then a transport header naming the target port and HTTP/2 or,
// for a protocol switch, HTTP/1).
// `identities` and `discovery` may be null (unmeshed); they outlive the pool.
Connector makeUpstreamConnector(const identity::IdentityStore* identities,
                                const DiscoveryFile* discovery,
                                std::chrono::milliseconds connectTimeout);

}  // namespace wasmesh::proxy::http
