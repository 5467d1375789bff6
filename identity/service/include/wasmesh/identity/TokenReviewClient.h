#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <string>
#include <vector>

#include "wasmesh/identity/IdentityServer.h"
#include "wasmesh/identity/TokenFile.h"

namespace wasmesh::identity {

// Where the Kubernetes API is and how the identity service proves itself to it. In a pod:
// https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the service account's
// token and CA from /var/run/secrets/kubernetes.io/serviceaccount/.
struct KubernetesApi {
  std::string host;
  std::string port = "443";
  std::string caFile;
  std::string tokenFile;  // re-read on every review: projected tokens rotate
  std::vector<std::string> audiences;
};

// Checks callers' tokens with the TokenReview API. Any failure to get a verdict (network,
// TLS, a non-2xx answer, an unexpected body) is token_review_unavailable, answered 503, so a
// caller retries instead of believing it was refused.
class TokenReviewClient final : public TokenAuthenticator {
 public:
  explicit TokenReviewClient(KubernetesApi api);
  boost::asio::awaitable<Result<ServiceAccount>> authenticate(std::string token) override;

 private:
  KubernetesApi api_;
  boost::asio::ssl::context tls_;
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
