#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "wasmesh/identity/CertificateApi.h"
#include "wasmesh/identity/ServiceAccount.h"
#include "wasmesh/identity/TokenFile.h"
#include "wasmesh/identity/TokenReviewCodec.h"

namespace wasmesh::identity {
namespace {

SpiffeId id(const char* text) {
  return SpiffeId::parse(text).value();
}

TEST(ServiceAccountTest, OnlyServiceAccountUsernamesAreAccepted) {
  EXPECT_EQ(parseServiceAccountUsername("system:serviceaccount:default:web").value(),
            (ServiceAccount{"default", "web"}));
  for (const char* bad :
       {"system:node:n1", "alice", "system:serviceaccount:default", "system:serviceaccount::web",
        "system:serviceaccount:Default:web", "system:serviceaccount:a:b:c"}) {
    EXPECT_EQ(parseServiceAccountUsername(bad).error(), errc::unauthenticated) << bad;
  }
}

TEST(ServiceAccountTest, AnAccountObtainsItsOwnWorkloadAndComponentIdentitiesOnly) {
  const ServiceAccount web{"default", "web"};
  EXPECT_TRUE(mayObtain(web, id("spiffe://cluster.local/ns/default/sa/web"), "cluster.local"));
  EXPECT_TRUE(
      mayObtain(web, id("spiffe://cluster.local/ns/default/sa/web/wasm/hello"), "cluster.local"));
  EXPECT_FALSE(mayObtain(web, id("spiffe://cluster.local/ns/default/sa/db"), "cluster.local"));
  EXPECT_FALSE(mayObtain(web, id("spiffe://cluster.local/ns/other/sa/web"), "cluster.local"));
  EXPECT_FALSE(mayObtain(web, id("spiffe://evil.local/ns/default/sa/web"), "cluster.local"));
  EXPECT_FALSE(
      mayObtain(web, id("spiffe://cluster.local/ns/default/sa/web/other/x"), "cluster.local"));
  EXPECT_FALSE(
      mayObtain(web, id("spiffe://cluster.local/ns/default/sa/web/wasm/a/b"), "cluster.local"));
}

TEST(TokenFileTest, MapsTokensToServiceAccounts) {
  const auto file = TokenFile::parse(R"(
tokens:
  - {token: 0123456789abcdef-web, namespace: default, service_account: web}
  - {token: 0123456789abcdef-db, namespace: data, service_account: db}
)",
                                     "tokens.yaml");
  EXPECT_EQ(file.size(), 2U);
  EXPECT_EQ(file.authenticate("0123456789abcdef-db").value(), (ServiceAccount{"data", "db"}));
  EXPECT_EQ(file.authenticate("0123456789abcdef-d").error(), errc::unauthenticated);
  EXPECT_EQ(file.authenticate("").error(), errc::unauthenticated);
}

TEST(TokenFileTest, BadFilesNameTheEntryAndField) {
  const auto errorOf = [](const char* text) -> std::string {
    try {
      TokenFile::parse(text, "t.yaml");
    } catch (const std::runtime_error& error) {
      return error.what();
    }
    return "no error";
  };
  EXPECT_EQ(errorOf("tokens: [{token: short, namespace: a, service_account: b}]"),
            "t.yaml: tokens[0].token: shorter than 16 characters");
  EXPECT_EQ(errorOf("tokens: [{token: 0123456789abcdef, service_account: b}]"),
            "t.yaml: tokens[0].namespace: is required");
  EXPECT_EQ(errorOf("tokens: [{token: 0123456789abcdef, namespace: A, service_account: b}]"),
            "t.yaml: tokens[0].namespace: \"A\" is not a DNS label");
  EXPECT_EQ(errorOf("tokens: [{token: 0123456789abcdef, namespace: a, service_account: b, x: 1}]"),
            "t.yaml: tokens[0].x: unknown key");
  EXPECT_EQ(errorOf("tokens:\n - {token: 0123456789abcdef, namespace: a, service_account: b}\n"
                    " - {token: 0123456789abcdef, namespace: c, service_account: d}\n"),
            "t.yaml: tokens[1].token: used twice");
  EXPECT_EQ(errorOf("- a list"), "t.yaml: expected a mapping with a list `tokens`");
}

TEST(TokenReviewCodecTest, RequestHasTheApiShape) {
  EXPECT_EQ(tokenReviewRequestBody("tok", {"wasmesh"}),
            R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview",)"
            R"("spec":{"token":"tok","audiences":["wasmesh"]}})");
}

TEST(TokenReviewCodecTest, ResponsesAreJudgedStrictly) {
  EXPECT_EQ(parseTokenReviewResponse(
                R"({"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","status":)"
                R"({"authenticated":true,"user":{"username":"system:serviceaccount:ns1:sa1",)"
                R"("uid":"u","groups":["system:serviceaccounts"]}}})")
                .value(),
            (ServiceAccount{"ns1", "sa1"}));
  EXPECT_EQ(parseTokenReviewResponse(
                R"({"kind":"TokenReview","status":{"authenticated":false,"error":"expired"}})")
                .error(),
            errc::unauthenticated);
  EXPECT_EQ(parseTokenReviewResponse(R"({"kind":"TokenReview","status":{"authenticated":true,)"
                                     R"("user":{"username":"alice"}}})")
                .error(),
            errc::unauthenticated);
  EXPECT_EQ(parseTokenReviewResponse(R"({"kind":"Status","status":"Failure"})").error(),
            errc::token_review_unavailable);
  EXPECT_EQ(parseTokenReviewResponse("<html>").error(), errc::token_review_unavailable);
}

TEST(TokenReviewCodecTest, WithAudiencesTheApiServerMustGrantOne) {
  const auto body = [](std::string_view audiences) {
    return R"({"kind":"TokenReview","status":{"authenticated":true,)" + std::string(audiences) +
           R"("user":{"username":"system:serviceaccount:ns1:sa1"}}})";
  };
  const std::vector<std::string> wanted{"identity.wasmesh.io"};
  EXPECT_EQ(
      parseTokenReviewResponse(body(R"("audiences":["identity.wasmesh.io"],)"), wanted).value(),
      (ServiceAccount{"ns1", "sa1"}));
  EXPECT_EQ(parseTokenReviewResponse(body(""), wanted).error(), errc::unauthenticated)
      << "an API server that ignores audiences proves nothing about them";
  EXPECT_EQ(
      parseTokenReviewResponse(body(R"("audiences":["https://kubernetes.default.svc"],)"), wanted)
          .error(),
      errc::unauthenticated);
  EXPECT_TRUE(parseTokenReviewResponse(body(""), {})) << "no audiences asked, none checked";
}

TEST(CertificateApiTest, RequestRoundTripAndLimits) {
  const CertificateRequest request{"spiffe://td/ns/a/sa/b", "-----BEGIN CERTIFICATE REQUEST-----"};
  const auto parsed = parseCertificateRequest(certificateRequestBody(request)).value();
  EXPECT_EQ(parsed.identity, request.identity);
  EXPECT_EQ(parsed.csrPem, request.csrPem);
  EXPECT_EQ(parseCertificateRequest(R"({"identity":"x"})").error(),
            errc::invalid_certificate_request);
  EXPECT_EQ(parseCertificateRequest(R"({"identity":1,"csr":"x"})").error(),
            errc::invalid_certificate_request);
  EXPECT_EQ(parseCertificateRequest("[]").error(), errc::invalid_certificate_request);
  const std::string huge =
      R"({"identity":"x","csr":")" + std::string(kMaxCertificateRequestBytes, 'a') + R"("})";
  EXPECT_EQ(parseCertificateRequest(huge).error(), errc::invalid_certificate_request);
}

TEST(CertificateApiTest, ResponseRoundTripKeepsSecondPrecisionExpiry) {
  const auto expiry = parseRfc3339("2026-11-25T12:34:56Z").value();
  EXPECT_EQ(formatRfc3339(expiry), "2026-11-25T12:34:56Z");
  const CertificateResponse response{"LEAF", "CHAIN", expiry};
  const auto parsed = parseCertificateResponse(certificateResponseBody(response)).value();
  EXPECT_EQ(parsed.certificatePem, "LEAF");
  EXPECT_EQ(parsed.chainPem, "CHAIN");
  EXPECT_EQ(parsed.expiry, expiry);
  EXPECT_FALSE(parseRfc3339("2026-11-25 12:34:56"));
  EXPECT_FALSE(parseRfc3339("2026-11-25T12:34:56Z junk"));
}

TEST(CertificateApiTest, BearerTokens) {
  EXPECT_EQ(bearerToken("Bearer abc.def"), "abc.def");
  EXPECT_EQ(bearerToken("Basic abc"), "");
  EXPECT_EQ(bearerToken(""), "");
}

}  // namespace
}  // namespace wasmesh::identity
