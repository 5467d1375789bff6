#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/common/ValueParsers.h"

namespace wasmesh::identity {

// A SPIFFE ID, validated per the SPIFFE ID specification: scheme "spiffe", a trust domain
// of lowercase letters, digits, '.', '-' and '_', and a path of non-empty segments of
// letters, digits, '.', '-' and '_' that are neither "." nor "..". No port, user info,
// query, fragment or percent-encoding; at most 2048 bytes in all, the trust domain at most
// 255.
class SpiffeId {
 public:
  static Result<SpiffeId> parse(std::string_view text);
  // spiffe://<td>/ns/<ns>/sa/<sa> and .../wasm/<component>; the parts must be DNS labels.
  static Result<SpiffeId> workload(std::string_view trustDomain, std::string_view ns,
                                   std::string_view serviceAccount);
  static Result<SpiffeId> component(std::string_view trustDomain, std::string_view ns,
                                    std::string_view serviceAccount, std::string_view name);

  const std::string& trustDomain() const noexcept { return trustDomain_; }
  const std::vector<std::string>& segments() const noexcept { return segments_; }
  std::string toString() const;

  // The DNS-form name used as TLS SNI and DNS SAN:
  //   spiffe://td/ns/N/sa/S           -> S.N.serviceaccount.identity.td
  //   spiffe://td/ns/N/sa/S/wasm/C    -> C.wasm.S.N.serviceaccount.identity.td
  // Other paths, or parts that are not DNS labels, have none (errc::no_server_name).
  Result<std::string> serverName() const;

  // For a workload or component identity: its namespace and service account.
  bool isWorkloadOf(std::string_view ns, std::string_view serviceAccount) const;
  bool isComponentOf(std::string_view ns, std::string_view serviceAccount) const;

  bool operator==(const SpiffeId&) const = default;

 private:
  SpiffeId(std::string trustDomain, std::vector<std::string> segments)
      : trustDomain_(std::move(trustDomain)), segments_(std::move(segments)) {}

  std::string trustDomain_;
  std::vector<std::string> segments_;
};

// The DNS-label rule lives in common/, shared with the mesh transport header.
using wasmesh::isDnsLabel;

}  // namespace wasmesh::identity
