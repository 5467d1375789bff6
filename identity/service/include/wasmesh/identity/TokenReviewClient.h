#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "wasmesh/identity/IdentityServer.h"
#include "wasmesh/identity/KubernetesApiClient.h"
#include "wasmesh/identity/TokenFile.h"

namespace wasmesh::identity {

// Checks callers' tokens with the TokenReview API. Any failure to get a verdict (network,
// TLS, a non-2xx answer, an unexpected body) is token_review_unavailable, answered 503, so a
// caller retries instead of believing it was refused. With api.audiences, a token must have
// been issued for one of them, and the API server must say so in status.audiences.
class TokenReviewClient final : public TokenAuthenticator {
 public:
  explicit TokenReviewClient(KubernetesApi api);
  boost::asio::awaitable<Result<ServiceAccount>> authenticate(std::string token) override;

 private:
  KubernetesApiClient client_;
};

// Local mode: the tokens of a TokenFile.
class TokenFileAuthenticator final : public TokenAuthenticator {
 public:
  explicit TokenFileAuthenticator(TokenFile file) : file_(std::move(file)) {}
  boost::asio::awaitable<Result<ServiceAccount>> authenticate(std::string token) override {
    co_return file_.authenticate(token);
  }

 private:
  TokenFile file_;
};

}  // namespace wasmesh::identity
