#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_future.hpp>
#include <string>

#include "wasmesh/identity/IdentityServer.h"

namespace wasmesh::identity {
namespace {

// Tokens: "web-token" is default/web, "review-down" makes the review unavailable.
class FakeAuthenticator final : public TokenAuthenticator {
 public:
  boost::asio::awaitable<Result<ServiceAccount>> authenticate(std::string token) override {
    if (token == "web-token")
      co_return ServiceAccount{"default", "web"};
    if (token == "review-down")
      co_return errc::token_review_unavailable;
    co_return errc::unauthenticated;
  }
};

class FakeSigner final : public CertificateSigner {
 public:
  Result<CertificateResponse> sign(const SpiffeId& identity, std::string_view csrPem) override {
    lastIdentity = identity.toString();
    if (csrPem != "GOOD CSR")
      return errc::invalid_csr;
    return CertificateResponse{"LEAF", "CHAIN", std::chrono::system_clock::from_time_t(0)};
  }
  std::string lastIdentity;
};

class IdentityServerTest : public ::testing::Test {
 protected:
  IdentityServer::Reply call(std::string_view method, std::string_view target,
                             std::string_view authorization, std::string_view body) {
    auto future = boost::asio::co_spawn(
        context_,
        [&]() -> boost::asio::awaitable<IdentityServer::Reply> {
          co_return co_await server_.handle(method, target, authorization, body);
        },
        boost::asio::use_future);
    context_.run();
    context_.restart();
    return future.get();
  }

  static std::string body(const char* identity, const char* csr) {
    return certificateRequestBody({identity, csr});
  }

  boost::asio::io_context context_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_server};
  FakeAuthenticator authenticator_;
  FakeSigner signer_;
  metrics::Registry registry_{1};
  IdentityServer server_{context_, tls_, authenticator_, signer_, "cluster.local", registry_};
};

TEST_F(IdentityServerTest, IssuesTheCallersOwnIdentity) {
  const auto reply = call("POST", "/v1/certificates", "Bearer web-token",
                          body("spiffe://cluster.local/ns/default/sa/web", "GOOD CSR"));
  EXPECT_EQ(reply.status, 200U);
  const auto response = parseCertificateResponse(reply.body).value();
  EXPECT_EQ(response.certificatePem, "LEAF");
  EXPECT_EQ(signer_.lastIdentity, "spiffe://cluster.local/ns/default/sa/web");
  const auto component = call("POST", "/v1/certificates", "Bearer web-token",
                              body("spiffe://cluster.local/ns/default/sa/web/wasm/a", "GOOD CSR"));
  EXPECT_EQ(component.status, 200U);
}

TEST_F(IdentityServerTest, RefusalsCarryTheirStatus) {
  const auto own = body("spiffe://cluster.local/ns/default/sa/web", "GOOD CSR");
  EXPECT_EQ(call("GET", "/v1/certificates", "Bearer web-token", own).status, 405U);
  EXPECT_EQ(call("POST", "/v1/other", "Bearer web-token", own).status, 404U);
  EXPECT_EQ(call("POST", "/v1/certificates", "", own).status, 401U);
  EXPECT_EQ(call("POST", "/v1/certificates", "Bearer nobody", own).status, 401U);
  EXPECT_EQ(call("POST", "/v1/certificates", "Bearer review-down", own).status, 503U);
  EXPECT_EQ(call("POST", "/v1/certificates", "Bearer web-token", "{").status, 400U);
  EXPECT_EQ(call("POST", "/v1/certificates", "Bearer web-token", body("web", "GOOD CSR")).status,
            400U);
  EXPECT_EQ(call("POST", "/v1/certificates", "Bearer web-token",
                 body("spiffe://cluster.local/ns/default/sa/db", "GOOD CSR"))
                .status,
            403U);
  EXPECT_EQ(call("POST", "/v1/certificates", "Bearer web-token",
                 body("spiffe://other.td/ns/default/sa/web", "GOOD CSR"))
                .status,
            403U);
  const auto badCsr = call("POST", "/v1/certificates", "Bearer web-token",
                           body("spiffe://cluster.local/ns/default/sa/web", "BAD"));
  EXPECT_EQ(badCsr.status, 400U);
  EXPECT_NE(badCsr.body.find("certificate signing request"), std::string::npos) << badCsr.body;
  EXPECT_STREQ(badCsr.result, "bad_request");
}

}  // namespace
}  // namespace wasmesh::identity
