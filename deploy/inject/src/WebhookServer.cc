#include "wasmesh/deploy/WebhookServer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace wasmesh::deploy {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// The API server gives a webhook at most 30 s (timeoutSeconds); a request slower than
// that to arrive is abandoned.
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::uint32_t kHeaderLimit = 16U * 1024U;

}  // namespace

WebhookServer::WebhookServer(boost::asio::io_context& context, boost::asio::ssl::context& tls,
                             InjectorSource injector, NamespaceAnnotations& namespaces,
                             metrics::Registry& registry)
    : context_(context),
      tls_(tls),
      injector_(std::move(injector)),
      namespaces_(namespaces),
      requests_(registry.counter("wasmesh_injector_requests_total",
                                 "AdmissionReview requests to the proxy injector, by outcome")) {
  for (const char* result : {"injected", "skipped", "denied", "bad_request", "error"})
    count(result);  // every outcome shows from the start, at zero
}

void WebhookServer::count(const char* result) {
  requests_.withLabels({{"result", result}}).add(0);
}

Result<boost::asio::ip::tcp::endpoint> WebhookServer::listen(
    const boost::asio::ip::tcp::endpoint& endpoint) {
  boost::asio::ip::tcp::acceptor acceptor(context_);
  boost::system::error_code error;
  acceptor.open(endpoint.protocol(), error);
  if (!error)
    acceptor.set_option(boost::asio::socket_base::reuse_address(true), error);
  if (!error)
    acceptor.bind(endpoint, error);
  if (!error)
    acceptor.listen(boost::asio::socket_base::max_listen_connections, error);
  const auto bound = error ? boost::asio::ip::tcp::endpoint{} : acceptor.local_endpoint(error);
  if (error)
    return error;
  acceptor_.emplace(std::move(acceptor));
  boost::asio::co_spawn(context_, acceptLoop(), boost::asio::detached);
  return bound;
}

void WebhookServer::close() {
  boost::system::error_code ignored;
  if (acceptor_)
    acceptor_->close(ignored);
}

boost::asio::awaitable<void> WebhookServer::acceptLoop() {
  while (acceptor_ && acceptor_->is_open()) {
    auto [error, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (error == boost::asio::error::operation_aborted)
      co_return;
    if (error) {
      spdlog::warn("injector: accept failed: {}", error.message());
      continue;
    }
    boost::asio::co_spawn(context_, serveSession(std::move(socket)), boost::asio::detached);
  }
}

boost::asio::awaitable<AdmissionHandler::Reply> WebhookServer::handle(std::string_view method,
                                                                      std::string_view target,
                                                                      std::string_view body) {
  if (target != kPath)
    co_return AdmissionHandler::badRequest("no such path; POST " + std::string(kPath), 404);
  if (method != "POST")
    co_return AdmissionHandler::badRequest("use POST", 405);
  auto request = AdmissionReview::parse(body);
  if (!request)
    co_return AdmissionHandler::badRequest(request.error());
  auto injector = injector_();
  if (!injector) {
    co_return AdmissionHandler::Reply{500,
                                      AdmissionReview::deny(request->uid, 500, injector.error()),
                                      "error", "cannot inject: " + injector.error()};
  }
  const AdmissionHandler handler(**injector);
  if (!AdmissionHandler::needsNamespace(*request))
    co_return handler.answer(*request, nullptr);
  auto annotations = co_await namespaces_.annotations(request->ns);
  co_return handler.answer(*request, &annotations);
}

boost::asio::awaitable<void> WebhookServer::serveSession(boost::asio::ip::tcp::socket socket) {
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(std::move(socket), tls_);
  boost::beast::get_lowest_layer(stream).expires_after(kHandshakeTimeout);
  auto [handshakeError] =
      co_await stream.async_handshake(boost::asio::ssl::stream_base::server, kNoThrow);
  if (handshakeError) {
    spdlog::debug("injector: TLS handshake failed: {}", handshakeError.message());
    count("tls_error");
    co_return;
  }
  boost::beast::flat_buffer buffer(kHeaderLimit);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(AdmissionReview::kMaxBodyBytes);
    boost::beast::get_lowest_layer(stream).expires_after(kRequestTimeout);
    auto [readError, bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    AdmissionHandler::Reply reply;
    bool keepAlive = false;
    unsigned version = 11;
    if (readError == http::error::body_limit) {
      reply = AdmissionHandler::badRequest(
          "the body is larger than " + std::to_string(AdmissionReview::kMaxBodyBytes >> 20U) +
              " MiB",
          413);
    } else if (readError) {
      // A client closing between requests is not an error; a request cut short is.
      if (parser.got_some()) {
        count("bad_request");
        spdlog::warn("injector: bad request: {}", readError.message());
      }
      break;
    } else {
      const auto& request = parser.get();
      keepAlive = request.keep_alive();
      version = request.version();
      reply = co_await handle(request.method_string(), request.target(), request.body());
    }
    count(reply.result);
    if (std::string_view(reply.result) == "injected" || std::string_view(reply.result) == "skipped")
      spdlog::info("injector: {}", reply.log);
    else
      spdlog::warn("injector: {}", reply.log);
    http::response<http::string_body> response{static_cast<http::status>(reply.httpStatus),
                                               version};
    response.set(http::field::server, "wasmesh-injector");
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

}  // namespace wasmesh::deploy
