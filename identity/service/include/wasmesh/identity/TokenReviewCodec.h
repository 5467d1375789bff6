#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/ServiceAccount.h"

namespace wasmesh::identity {

// The JSON of the Kubernetes TokenReview API (authentication.k8s.io/v1), which the
// identity service uses to learn whose service-account token a caller presented.
//   POST /apis/authentication.k8s.io/v1/tokenreviews
std::string tokenReviewRequestBody(std::string_view token,
                                   const std::vector<std::string>& audiences);

// The service account a TokenReview response vouches for: status.authenticated must be
// true and status.user.username a service account's. A response that is not a TokenReview
// is token_review_unavailable (ask again later); a refusal is unauthenticated. When the
// review asked for `audiences`, status.audiences must hold one of them (the API server
// answers with the audiences the token was issued for; one that ignores audiences says
// none, and its verdict does not prove the token was meant for us).
Result<ServiceAccount> parseTokenReviewResponse(std::string_view body,
                                                const std::vector<std::string>& audiences = {});

}  // namespace wasmesh::identity
