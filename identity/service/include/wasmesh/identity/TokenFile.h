#pragma once

#include <map>
#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/ServiceAccount.h"

namespace wasmesh::identity {

// Local mode for the identity service, where there is no Kubernetes API to ask: a YAML file
// that maps each token to the service account it stands for.
//
//   tokens:
//     - token: 9f2c...            # at least 16 characters
//       namespace: default
//       service_account: web
class TokenFile {
 public:
  // Start-up code: throws std::runtime_error naming the file, entry and field on bad input.
  static TokenFile parse(std::string_view yamlText, std::string_view origin);
  static TokenFile load(const std::string& path);

  // Constant-time comparison per entry, so response timing does not leak token prefixes.
  Result<ServiceAccount> authenticate(std::string_view token) const;
  std::size_t size() const noexcept { return accounts_.size(); }

 private:
  std::map<std::string, ServiceAccount, std::less<>> accounts_;
};

}  // namespace wasmesh::identity
