#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/result.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wasmesh::identity {

// Where the Kubernetes API is and how a control-plane component proves itself to it. In a
// pod: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT with the service account's
// token and CA from /var/run/secrets/kubernetes.io/serviceaccount/.
struct KubernetesApi {
  std::string host;
  std::string port = "443";
  std::string caFile;
  std::string tokenFile;  // re-read on every request: projected tokens rotate
  // TokenReview only: the audiences the reviewed tokens must be issued for.
  std::vector<std::string> audiences;
};

// `address` as host:port, or empty for the in-cluster API
// ($KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT). Start-up code: throws
// std::invalid_argument naming the --kubernetes-api flag when neither works.
KubernetesApi kubernetesApiAt(const std::string& address, std::string caFile,
                              std::string tokenFile);

// One HTTPS request at a time to the Kubernetes API, as kubectl makes them: the API
// server's certificate checked against caFile and for `host`, the component's bearer token,
// JSON in and out, a deadline and a bound on the answer. The identity service's TokenReview
// and the injector's namespace lookups go through it.
class KubernetesApiClient {
 public:
  static constexpr std::uint64_t kMaxResponseBytes = std::uint64_t{1} << 20U;

  struct Response {
    unsigned status = 0;
    std::string body;
  };
  // A failure to get any answer: "<step>: <why>" (step: own token, resolve, connect, TLS
  // handshake, request, response).
  using Answer = boost::system::result<Response, std::string>;

  // Start-up: throws when caFile cannot be loaded.
  explicit KubernetesApiClient(KubernetesApi api);

  // method "GET" or "POST"; `body` is sent as application/json when not empty.
  boost::asio::awaitable<Answer> request(std::string_view method, std::string target,
                                         std::string body);

  const KubernetesApi& api() const noexcept { return api_; }

 private:
  KubernetesApi api_;
  boost::asio::ssl::context tls_;
};

}  // namespace wasmesh::identity
