#include "wasmesh/identity/TokenReviewClient.h"

#include <spdlog/spdlog.h>

#include "wasmesh/identity/TokenReviewCodec.h"

namespace wasmesh::identity {

TokenReviewClient::TokenReviewClient(KubernetesApi api) : client_(std::move(api)) {}

boost::asio::awaitable<Result<ServiceAccount>> TokenReviewClient::authenticate(std::string token) {
  const auto& api = client_.api();
  const auto unavailable = [&](const std::string& why) {
    spdlog::warn("TokenReview at {}:{}: {}", api.host, api.port, why);
    return Result<ServiceAccount>(errc::token_review_unavailable);
  };
  auto answer = co_await client_.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews",
                                         tokenReviewRequestBody(token, api.audiences));
  if (!answer)
    co_return unavailable(answer.error());
  if (answer->status / 100 != 2) {
    co_return unavailable("response: HTTP " + std::to_string(answer->status) +
                          " (may the identity service's account create tokenreviews?)");
  }
  auto verdict = parseTokenReviewResponse(answer->body, api.audiences);
  if (!verdict && verdict.error() == errc::token_review_unavailable)
    co_return unavailable("response: not a TokenReview");
  co_return verdict;
}

}  // namespace wasmesh::identity
