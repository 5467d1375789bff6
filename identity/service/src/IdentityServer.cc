#include "wasmesh/identity/IdentityServer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace wasmesh::identity {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 8U * 1024U;

IdentityServer::Reply refuse(unsigned status, const char* result, std::string_view why) {
  return {status, errorBody(why), result};
}

}  // namespace

IdentityServer::IdentityServer(boost::asio::io_context& context, boost::asio::ssl::context& tls,
                               TokenAuthenticator& authenticator, CertificateSigner& signer,
                               std::string trustDomain, metrics::Registry& registry)
    : context_(context),
      tls_(tls),
      authenticator_(authenticator),
      signer_(signer),
      trustDomain_(std::move(trustDomain)),
      requests_(registry.counter("wasmesh_identity_requests_total",
                                 "Certificate requests to the identity service, by outcome")) {}

Result<boost::asio::ip::tcp::endpoint> IdentityServer::listen(
    const boost::asio::ip::tcp::endpoint& endpoint) {
  boost::asio::ip::tcp::acceptor acceptor(context_);
  boost::system::error_code error;
  acceptor.open(endpoint.protocol(), error);
  if (error)
    return error;
  acceptor.set_option(boost::asio::socket_base::reuse_address(true), error);
  if (error)
    return error;
  acceptor.bind(endpoint, error);
  if (error)
    return error;
  acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
  if (error)
    return error;
  const auto bound = acceptor.local_endpoint(error);
  if (error)
    return error;
  acceptor_.emplace(std::move(acceptor));
  boost::asio::co_spawn(context_, acceptLoop(), boost::asio::detached);
  return bound;
}

void IdentityServer::close() {
  boost::system::error_code ignored;
  if (acceptor_)
    acceptor_->close(ignored);
}

void IdentityServer::count(const char* result) {
  requests_.withLabels({{"result", result}}).add(0);
}

boost::asio::awaitable<void> IdentityServer::acceptLoop() {
  while (acceptor_ && acceptor_->is_open()) {
    auto [error, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (error == boost::asio::error::operation_aborted)
      co_return;
    if (error) {
      spdlog::warn("identity service accept failed: {}", error.message());
      continue;
    }
    boost::asio::co_spawn(context_, serveSession(std::move(socket)), boost::asio::detached);
  }
}

boost::asio::awaitable<IdentityServer::Reply> IdentityServer::handle(std::string_view method,
                                                                     std::string_view target,
                                                                     std::string_view authorization,
                                                                     std::string_view body) {
  if (target != "/v1/certificates")
    co_return refuse(404, "not_found", "no such resource; POST /v1/certificates");
  if (method != "POST")
    co_return refuse(405, "not_found", "use POST");
  const auto token = bearerToken(authorization);
  if (token.empty())
    co_return refuse(401, "unauthenticated", "an Authorization: Bearer token is required");
  const auto request = parseCertificateRequest(body);
  if (!request)
    co_return refuse(400, "bad_request", "the body is not {\"identity\": ..., \"csr\": ...}");
  const auto identity = SpiffeId::parse(request->identity);
  if (!identity)
    co_return refuse(400, "bad_request", "identity is not a SPIFFE ID");
  const auto account = co_await authenticator_.authenticate(std::string(token));
  if (!account) {
    if (account.error() == errc::token_review_unavailable)
      co_return refuse(503, "unavailable", "the token could not be reviewed; try again");
    co_return refuse(401, "unauthenticated", "the token is not accepted");
  }
  if (!mayObtain(*account, *identity, trustDomain_)) {
    spdlog::warn("identity service: {}/{} asked for {}: refused", account->ns, account->name,
                 request->identity);
    co_return refuse(403, "forbidden", "this token may not obtain that identity");
  }
  const auto signed_ = signer_.sign(*identity, request->csrPem);
  if (!signed_) {
    co_return refuse(400, "bad_request",
                     "the certificate request was refused: " + signed_.error().message());
  }
  spdlog::info("identity service: issued {} to {}/{}, expires {}", request->identity, account->ns,
               account->name, formatRfc3339(signed_->expiry));
  co_return Reply{200, certificateResponseBody(*signed_), "ok"};
}

boost::asio::awaitable<void> IdentityServer::serveSession(boost::asio::ip::tcp::socket socket) {
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(std::move(socket), tls_);
  boost::beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  auto [handshakeError] =
      co_await stream.async_handshake(boost::asio::ssl::stream_base::server, kNoThrow);
  if (handshakeError) {
    spdlog::debug("identity service: TLS handshake failed: {}", handshakeError.message());
    count("tls_error");
    co_return;
  }
  boost::beast::flat_buffer buffer(kHeaderLimit);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kMaxCertificateRequestBytes);
    boost::beast::get_lowest_layer(stream).expires_after(kRequestTimeout);
    auto [readError, bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    Reply reply;
    bool keepAlive = false;
    unsigned version = 11;
    if (readError == http::error::body_limit) {
      reply = refuse(413, "too_large", "the request body is larger than 64 KiB");
    } else if (readError) {
      // A client closing between requests (with or without close_notify) is not an error.
      if (parser.got_some() && readError != boost::beast::error::timeout)
        count("bad_request");
      break;
    } else {
      const auto& request = parser.get();
      keepAlive = request.keep_alive();
      version = request.version();
      reply = co_await handle(request.method_string(), request.target(),
                              request[http::field::authorization], request.body());
    }
    count(reply.result);
    http::response<http::string_body> response{static_cast<http::status>(reply.status), version};
    response.set(http::field::server, "wasmesh-identity");
    response.set(http::field::content_type, "application/json");
    response.keep_alive(keepAlive);
    response.body() = std::move(reply.body);
    response.prepare_payload();
    auto [writeError, written] = co_await http::async_write(stream, response, kNoThrow);
    if (writeError || !keepAlive)
      break;
  }
  boost::beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  co_await stream.async_shutdown(kNoThrow);
}

}  // namespace wasmesh::identity
