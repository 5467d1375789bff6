#include "wasmesh/identity/ServiceAccount.h"

namespace wasmesh::identity {

Result<ServiceAccount> parseServiceAccountUsername(std::string_view username) {
  constexpr std::string_view kPrefix = "system:serviceaccount:";
  if (username.substr(0, kPrefix.size()) != kPrefix)
    return errc::unauthenticated;
  username.remove_prefix(kPrefix.size());
  const auto colon = username.find(':');
  if (colon == std::string_view::npos)
    return errc::unauthenticated;
  ServiceAccount account{std::string(username.substr(0, colon)),
                         std::string(username.substr(colon + 1))};
  // Both are DNS labels in practice; anything else cannot be put into a server name.
  if (!isDnsLabel(account.ns) || !isDnsLabel(account.name))
    return errc::unauthenticated;
  return account;
}

bool mayObtain(const ServiceAccount& account, const SpiffeId& requested,
               std::string_view trustDomain) {
  return requested.trustDomain() == trustDomain &&
         (requested.isWorkloadOf(account.ns, account.name) ||
          requested.isComponentOf(account.ns, account.name));
}

}  // namespace wasmesh::identity
