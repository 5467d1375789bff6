#include "wasmesh/identity/TokenReviewCodec.h"

#include <boost/json.hpp>

namespace wasmesh::identity {

std::string tokenReviewRequestBody(std::string_view token,
                                   const std::vector<std::string>& audiences) {
  boost::json::object spec;
  spec["token"] = token;
  if (!audiences.empty()) {
    boost::json::array list;
    for (const auto& audience : audiences)
      list.emplace_back(audience);
    spec["audiences"] = std::move(list);
  }
  boost::json::object review;
  review["apiVersion"] = "authentication.k8s.io/v1";
  review["kind"] = "TokenReview";
  review["spec"] = std::move(spec);
  return boost::json::serialize(review);
}

Result<ServiceAccount> parseTokenReviewResponse(std::string_view body,
                                                const std::vector<std::string>& audiences) {
  boost::system::error_code error;
  const auto parsed = boost::json::parse(body, error);
  if (error || !parsed.is_object())
    return errc::token_review_unavailable;
  const auto& review = parsed.get_object();
  const auto* kind = review.if_contains("kind");
  const auto* status = review.if_contains("status");
  if (kind == nullptr || !kind->is_string() || kind->get_string() != "TokenReview" ||
      status == nullptr || !status->is_object()) {
    return errc::token_review_unavailable;
  }
  const auto* authenticated = status->get_object().if_contains("authenticated");
  if (authenticated == nullptr || !authenticated->is_bool() || !authenticated->get_bool())
    return errc::unauthenticated;
  if (!audiences.empty()) {
    const auto* granted = status->get_object().if_contains("audiences");
    bool matched = false;
    if (granted != nullptr && granted->is_array()) {
      for (const auto& audience : granted->get_array()) {
        for (const auto& wanted : audiences)
          matched = matched || (audience.is_string() && audience.get_string() == wanted);
      }
    }
    if (!matched)
      return errc::unauthenticated;
  }
  const auto* user = status->get_object().if_contains("user");
  if (user == nullptr || !user->is_object())
    return errc::unauthenticated;
  const auto* username = user->get_object().if_contains("username");
  if (username == nullptr || !username->is_string())
    return errc::unauthenticated;
  const auto& text = username->get_string();
  return parseServiceAccountUsername(std::string_view(text.data(), text.size()));
}

}  // namespace wasmesh::identity
