#pragma once

#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/SpiffeId.h"

namespace wasmesh::identity {

// Who a token says its bearer is: a Kubernetes service account.
struct ServiceAccount {
  std::string ns;
  std::string name;
  bool operator==(const ServiceAccount&) const = default;
};

// "system:serviceaccount:<ns>:<name>", the username TokenReview reports for a service
// account token; anything else (a user, a node) is not a workload and gets no identity.
Result<ServiceAccount> parseServiceAccountUsername(std::string_view username);

// The one rule of issuance: a service account may obtain its workload identity and its
// Wasm components' identities in the service's trust domain, never another's.
bool mayObtain(const ServiceAccount& account, const SpiffeId& requested,
               std::string_view trustDomain);

}  // namespace wasmesh::identity
