#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"

namespace wasmesh::identity {

// The identity service's one call (docs/identity-service.md):
//   POST /v1/certificates
//   Authorization: Bearer <token>
//   {"identity": "spiffe://td/ns/N/sa/S", "csr": "-----BEGIN CERTIFICATE REQUEST-----..."}
// answered with
//   {"certificate": "<leaf PEM>", "chain": "<intermediate PEMs>", "expiry": "<RFC 3339>"}
// or {"error": "<why>"} with a 4xx/5xx status.
inline constexpr std::size_t kMaxCertificateRequestBytes = std::size_t{64} * 1024;

struct CertificateRequest {
  std::string identity;
  std::string csrPem;
};

struct CertificateResponse {
  std::string certificatePem;
  std::string chainPem;
  std::chrono::system_clock::time_point expiry;
};

Result<CertificateRequest> parseCertificateRequest(std::string_view body);
std::string certificateRequestBody(const CertificateRequest& request);

std::string certificateResponseBody(const CertificateResponse& response);
Result<CertificateResponse> parseCertificateResponse(std::string_view body);
std::string errorBody(std::string_view why);

// "Bearer <token>" from an Authorization header value; empty when absent or malformed.
std::string_view bearerToken(std::string_view authorization);

// RFC 3339 in UTC with second precision ("2026-11-24T12:00:00Z").
std::string formatRfc3339(std::chrono::system_clock::time_point when);
Result<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

}  // namespace wasmesh::identity
