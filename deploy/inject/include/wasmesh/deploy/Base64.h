#pragma once

#include <string>
#include <string_view>

namespace wasmesh::deploy {

// Standard base64 with padding (RFC 4648), as Kubernetes Secret data, caBundle and
// AdmissionReview patches use it.
std::string base64Encode(std::string_view bytes);

}  // namespace wasmesh::deploy
