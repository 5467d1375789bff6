#include "wasmesh/identity/TokenReviewClient.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "wasmesh/identity/TokenReviewCodec.h"
#include "wasmesh/identity/TrustAnchors.h"

namespace wasmesh::identity {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kReviewTimeout = std::chrono::seconds(5);
constexpr std::uint64_t kMaxResponseBytes = std::uint64_t{64} * 1024;

}  // namespace

TokenReviewClient::TokenReviewClient(KubernetesApi api)
    : api_(std::move(api)), tls_(boost::asio::ssl::context::tls_client) {
  tls_.set_verify_mode(boost::asio::ssl::verify_peer);
  tls_.load_verify_file(api_.caFile);  // start-up: throws with the file's problem
}

boost::asio::awaitable<Result<ServiceAccount>> TokenReviewClient::authenticate(std::string token) {
  const auto unavailable = [&](std::string_view step, const std::string& why) {
    spdlog::warn("TokenReview at {}:{}: {}: {}", api_.host, api_.port, step, why);
    return Result<ServiceAccount>(errc::token_review_unavailable);
  };
  // Projected service-account tokens rotate: the file is read for every review.
  const auto ownToken = readTokenFile(api_.tokenFile);
  if (!ownToken)
    co_return unavailable("own token", api_.tokenFile + ": " + ownToken.error().message());

  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::ip::tcp::resolver resolver(executor);
  auto [resolveError, endpoints] = co_await resolver.async_resolve(api_.host, api_.port, kNoThrow);
  if (resolveError)
    co_return unavailable("resolve", resolveError.message());

  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(executor, tls_);
  // The API server's certificate must name the host we asked for, as kubectl checks it.
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(api_.host));
  // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
  if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               api_.host.data()) != 1)
    co_return unavailable("TLS", "cannot set SNI");
  auto& tcp = boost::beast::get_lowest_layer(stream);
  tcp.expires_after(kReviewTimeout);
  auto [connectError, connected] = co_await tcp.async_connect(endpoints, kNoThrow);
  if (connectError)
    co_return unavailable("connect", connectError.message());
  auto [handshakeError] =
      co_await stream.async_handshake(boost::asio::ssl::stream_base::client, kNoThrow);
  if (handshakeError)
    co_return unavailable("TLS handshake", handshakeError.message());

  http::request<http::string_body> request{http::verb::post,
                                           "/apis/authentication.k8s.io/v1/tokenreviews", 11};
  request.set(http::field::host, api_.host);
  request.set(http::field::authorization, "Bearer " + *ownToken);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::accept, "application/json");
  request.body() = tokenReviewRequestBody(token, api_.audiences);
  request.prepare_payload();
  auto [writeError, written] = co_await http::async_write(stream, request, kNoThrow);
  if (writeError)
    co_return unavailable("request", writeError.message());

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto [readError, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (readError)
    co_return unavailable("response", readError.message());
  const auto& response = parser.get();
  if (response.result_int() / 100 != 2) {
    co_return unavailable("response",
                          "HTTP " + std::to_string(response.result_int()) +
                              " (may the identity service's account create tokenreviews?)");
  }
  auto verdict = parseTokenReviewResponse(response.body());
  if (!verdict && verdict.error() == errc::token_review_unavailable)
    co_return unavailable("response", "not a TokenReview");
  co_return verdict;
}

}  // namespace wasmesh::identity
