#include "wasmesh/proxy/AdminServer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "wasmesh/metrics/Format.h"
#include "wasmesh/metrics/Gzip.h"
#include "wasmesh/proxy/ListenerSocket.h"

namespace wasmesh::proxy {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr std::uint32_t kHeaderLimit = 8U * 1024U;
constexpr std::uint64_t kBodyLimit = std::uint64_t{64} * 1024;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

bool isLoopback(const boost::asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .is_loopback();
  }
  return address.is_loopback();
}

Response textResponse(const Request& request, http::status status, std::string body) {
  Response response{status, request.version()};
  response.set(http::field::server, "wasmesh");
  if (!body.empty())
    response.set(http::field::content_type, "text/plain; charset=utf-8");
  response.keep_alive(request.keep_alive());
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

}  // namespace

AdminServer::AdminServer(boost::asio::io_context& context, const metrics::Registry& registry,
                         Hooks hooks)
    : context_(context), registry_(registry), hooks_(std::move(hooks)) {}

Result<boost::asio::ip::tcp::endpoint> AdminServer::listen(
    const boost::asio::ip::tcp::endpoint& endpoint) {
  auto acceptor = openListenerSocket(context_, endpoint, PortSharing::exclusive);
  if (!acceptor)
    return acceptor.error();
  boost::system::error_code ec;
  const auto bound = acceptor->local_endpoint(ec);
  if (ec)
    return ec;
  acceptor_.emplace(std::move(*acceptor));
  boost::asio::co_spawn(context_, acceptLoop(), boost::asio::detached);
  return bound;
}

void AdminServer::close() {
  boost::system::error_code ignored;
  if (acceptor_)
    acceptor_->close(ignored);
}

boost::asio::awaitable<void> AdminServer::acceptLoop() {
  while (acceptor_ && acceptor_->is_open()) {
    auto [error, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (error == boost::asio::error::operation_aborted)
      co_return;
    if (error) {
      spdlog::warn("admin accept failed: {}", error.message());
      continue;
    }
    boost::asio::co_spawn(context_, serveSession(std::move(socket)), boost::asio::detached);
  }
}

boost::asio::awaitable<void> AdminServer::serveSession(boost::asio::ip::tcp::socket socket) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec)
    co_return;
  boost::beast::tcp_stream stream(std::move(socket));
  boost::beast::flat_buffer buffer(kHeaderLimit);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    stream.expires_after(kRequestTimeout);
    auto [readError, bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (readError) {
      if (readError != http::error::end_of_stream && readError != boost::beast::error::timeout) {
        spdlog::debug("admin request from {} refused: {}", peer.address().to_string(),
                      readError.message());
      }
      break;
    }
    const auto& request = parser.get();
    const auto target = request.target();
    const auto path = target.substr(0, target.find('?'));
    const bool isRead = request.method() == http::verb::get || request.method() == http::verb::head;
    bool shutdownAfterReply = false;
    Response response;
    if (path == "/live") {
      response = isRead ? textResponse(request, http::status::ok, "live\n")
                        : textResponse(request, http::status::method_not_allowed, "");
    } else if (path == "/ready") {
      if (!isRead) {
        response = textResponse(request, http::status::method_not_allowed, "");
      } else if (hooks_.isReady()) {
        response = textResponse(request, http::status::ok, "ready\n");
      } else {
        response = textResponse(request, http::status::service_unavailable, "not ready\n");
      }
    } else if (path == "/metrics") {
      if (!isRead) {
        response = textResponse(request, http::status::method_not_allowed, "");
      } else {
        const auto format = metrics::negotiateFormat(request[http::field::accept]);
        auto body = registry_.render(format);
        response = textResponse(request, http::status::ok, "");
        response.set(http::field::content_type, metrics::contentType(format));
        if (metrics::acceptsGzip(request[http::field::accept_encoding])) {
          if (auto compressed = metrics::gzipCompress(body); !compressed.empty()) {
            body = std::move(compressed);
            response.set(http::field::content_encoding, "gzip");
          }
        }
        response.body() = std::move(body);
        response.prepare_payload();
      }
    } else if (path == "/shutdown") {
      if (request.method() != http::verb::post) {
        response = textResponse(request, http::status::method_not_allowed, "");
      } else if (!isLoopback(peer.address())) {
        spdlog::warn("refused /shutdown from non-loopback {}", peer.address().to_string());
        response = textResponse(request, http::status::forbidden, "");
      } else {
        response = textResponse(request, http::status::ok, "shutdown\n");
        shutdownAfterReply = true;
      }
    } else {
      response = textResponse(request, http::status::not_found, "");
    }
    if (request.method() == http::verb::head) {
      // Keep the Content-Length a GET would have, send no body.
      const auto length = response.body().size();
      response.body().clear();
      response.content_length(length);
    }
    const bool keepAlive = response.keep_alive();
    stream.expires_after(kRequestTimeout);
    auto [writeError, written] = co_await http::async_write(stream, response, kNoThrow);
    if (shutdownAfterReply)
      hooks_.shutdown();
    if (writeError || !keepAlive)
      break;
  }
  stream.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
}

}  // namespace wasmesh::proxy
