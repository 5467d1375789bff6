#pragma once

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/SpiffeId.h"

// The certificate rules of the SPIFFE X509-SVID specification (sections 4 and 5). They look
// at one certificate; chains are TrustBundle's business.
namespace wasmesh::identity {

// A leaf SVID: exactly one URI SAN, a valid SPIFFE ID; not a CA; a keyUsage extension with
// digitalSignature and without keyCertSign or cRLSign. Returns the SPIFFE ID, or
// errc::invalid_svid.
Result<SpiffeId> checkLeafSvid(const Certificate& certificate);

// A signing (CA) certificate: CA:TRUE and keyUsage keyCertSign. Its URI SAN, if any, is not
// looked at. errc::invalid_svid otherwise.
Result<void> checkSigningCertificate(const Certificate& certificate);

}  // namespace wasmesh::identity
