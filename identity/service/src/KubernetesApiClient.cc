#include "wasmesh/identity/KubernetesApiClient.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdlib>
#include <stdexcept>

#include "wasmesh/identity/TrustAnchors.h"

namespace wasmesh::identity {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kRequestTimeout = std::chrono::seconds(5);

KubernetesApiClient::Answer failed(std::string_view step, const std::string& why) {
  return {boost::system::in_place_error, std::string(step) + ": " + why};
}

}  // namespace

KubernetesApi kubernetesApiAt(const std::string& address, std::string caFile,
                              std::string tokenFile) {
  std::string where = address;
  if (where.empty()) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");  // NOLINT(concurrency-mt-unsafe)
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");  // NOLINT(concurrency-mt-unsafe)
    if (host == nullptr)
      throw std::invalid_argument(
          "--kubernetes-api: not in a pod (no KUBERNETES_SERVICE_HOST); give host:port");
    where = std::string(host) + ":" + (port != nullptr ? port : "443");
  }
  const auto colon = where.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == where.size())
    throw std::invalid_argument("--kubernetes-api: \"" + where + "\" is not host:port");
  KubernetesApi api;
  api.host = where.substr(0, colon);
  if (api.host.size() > 2 && api.host.front() == '[' && api.host.back() == ']')
    api.host = api.host.substr(1, api.host.size() - 2);
  api.port = where.substr(colon + 1);
  api.caFile = std::move(caFile);
  api.tokenFile = std::move(tokenFile);
  return api;
}

KubernetesApiClient::KubernetesApiClient(KubernetesApi api)
    : api_(std::move(api)), tls_(boost::asio::ssl::context::tls_client) {
  tls_.set_verify_mode(boost::asio::ssl::verify_peer);
  tls_.load_verify_file(api_.caFile);  // start-up: throws with the file's problem
}

boost::asio::awaitable<KubernetesApiClient::Answer> KubernetesApiClient::request(
    std::string_view method, std::string target, std::string body) {
  // Projected service-account tokens rotate: the file is read for every request.
  const auto ownToken = readTokenFile(api_.tokenFile);
  if (!ownToken)
    co_return failed("own token", api_.tokenFile + ": " + ownToken.error().message());

  auto executor = co_await boost::asio::this_coro::executor;
  boost::asio::ip::tcp::resolver resolver(executor);
  auto [resolveError, endpoints] = co_await resolver.async_resolve(api_.host, api_.port, kNoThrow);
  if (resolveError)
    co_return failed("resolve", resolveError.message());

  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(executor, tls_);
  // The API server's certificate must name the host we asked for, as kubectl checks it.
  stream.set_verify_callback(boost::asio::ssl::host_name_verification(api_.host));
  // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
  if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               api_.host.data()) != 1)
    co_return failed("TLS", "cannot set SNI");
  auto& tcp = boost::beast::get_lowest_layer(stream);
  tcp.expires_after(kRequestTimeout);
  auto [connectError, connected] = co_await tcp.async_connect(endpoints, kNoThrow);
  if (connectError)
    co_return failed("connect", connectError.message());
  auto [handshakeError] =
      co_await stream.async_handshake(boost::asio::ssl::stream_base::client, kNoThrow);
  if (handshakeError)
    co_return failed("TLS handshake", handshakeError.message());

  http::request<http::string_body> message{http::string_to_verb(method), target, 11};
  message.set(http::field::host, api_.host);
  message.set(http::field::authorization, "Bearer " + *ownToken);
  message.set(http::field::accept, "application/json");
  if (!body.empty())
    message.set(http::field::content_type, "application/json");
  message.body() = std::move(body);
  message.prepare_payload();
  auto [writeError, written] = co_await http::async_write(stream, message, kNoThrow);
  if (writeError)
    co_return failed("request", writeError.message());

  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto [readError, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (readError)
    co_return failed("response", readError.message());
  co_return Response{parser.get().result_int(), std::move(parser.get().body())};
}

}  // namespace wasmesh::identity
