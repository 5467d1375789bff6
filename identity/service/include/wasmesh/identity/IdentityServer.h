#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/CertificateApi.h"
#include "wasmesh/identity/ServiceAccount.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::identity {

// Says whose a bearer token is: a token file (local mode) or Kubernetes TokenReview.
class TokenAuthenticator {
 public:
  virtual ~TokenAuthenticator() = default;
  virtual boost::asio::awaitable<Result<ServiceAccount>> authenticate(std::string token) = 0;
};

// Signs a CSR for an identity already known to be permitted. Must check the CSR itself
// (signature, key type, SANs equal to the identity) and clamp the lifetime.
class CertificateSigner {
 public:
  virtual ~CertificateSigner() = default;
  virtual Result<CertificateResponse> sign(const SpiffeId& identity, std::string_view csrPem) = 0;
};

// `wasmesh identity serve`: POST /v1/certificates over HTTPS (docs/identity-service.md).
// Every read has a timeout and a size limit; a request that breaks a rule is answered with
// its status and counted in wasmesh_identity_requests_total{result}.
class IdentityServer {
 public:
  IdentityServer(boost::asio::io_context& context, boost::asio::ssl::context& tls,
                 TokenAuthenticator& authenticator, CertificateSigner& signer,
                 std::string trustDomain, metrics::Registry& registry);

  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void close();

  struct Reply {
    unsigned status = 200;
    std::string body;
    const char* result = "ok";  // the metrics label
  };
  // The whole decision for one request, without I/O beyond authentication.
  boost::asio::awaitable<Reply> handle(std::string_view method, std::string_view target,
                                       std::string_view authorization, std::string_view body);

 private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serveSession(boost::asio::ip::tcp::socket socket);
  void count(const char* result);

  boost::asio::io_context& context_;
  boost::asio::ssl::context& tls_;
  TokenAuthenticator& authenticator_;
  CertificateSigner& signer_;
  std::string trustDomain_;
  metrics::CounterFamily& requests_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
};

}  // namespace wasmesh::identity
