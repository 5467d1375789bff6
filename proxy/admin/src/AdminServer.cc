#include "wasmesh/proxy/AdminServer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
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
// After an accept error (EMFILE, ENFILE, ENOBUFS): the error repeats until descriptors are
// freed, and retrying at once would spin the main thread.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(50);

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

// The status a malformed request earns before the connection is closed, or none when the
// peer went away or timed out (nobody to answer).
std::optional<http::status> statusForReadError(const boost::system::error_code& error) {
  if (error == http::error::header_limit || error == http::error::buffer_overflow)
    return http::status::request_header_fields_too_large;
  if (error == http::error::body_limit)
    return http::status::payload_too_large;
  // Beast parses HTTP/1.x only: anything else in the version field is another protocol.
  if (error == http::error::bad_version)
    return http::status::http_version_not_supported;
  if (error == http::error::end_of_stream || error == http::error::partial_message)
    return std::nullopt;
  if (error.category() == http::make_error_code(http::error::bad_target).category())
    return http::status::bad_request;
  return std::nullopt;  // a socket error or the timeout
}

boost::asio::awaitable<void> writeRefusal(boost::beast::tcp_stream& stream, http::status status) {
  Response refusal{status, 11};
  refusal.set(http::field::server, "wasmesh");
  refusal.set(http::field::connection, "close");
  refusal.prepare_payload();
  stream.expires_after(kRequestTimeout);
  co_await http::async_write(stream, refusal, kNoThrow);
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
  boost::asio::steady_timer backoff(context_);
  while (acceptor_ && acceptor_->is_open()) {
    auto [error, socket] = co_await acceptor_->async_accept(kNoThrow);
    if (error == boost::asio::error::operation_aborted || !acceptor_->is_open())
      co_return;
    if (error) {
      if (const auto admitted = log_.admit("accept", LogThrottle::Clock::now()); admitted.log) {
        spdlog::warn("admin accept failed: {}{}", error.message(),
                     admitted.suppressed == 0
                         ? std::string()
                         : " [" + std::to_string(admitted.suppressed) + " more not logged]");
      }
      backoff.expires_after(kAcceptBackoff);
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    if (sessions_.size() >= kMaxConnections && !evictIdleSession()) {
      if (const auto admitted = log_.admit("limit", LogThrottle::Clock::now()); admitted.log) {
        spdlog::warn("admin connection refused: {} busy connections, the limit", sessions_.size());
      }
      // close(), not the destructor: Asio clears SO_LINGER when a socket is destroyed.
      boost::system::error_code ignored;
      socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
      continue;
    }
    const auto session =
        sessions_.insert(sessions_.end(), Session{nullptr, true, std::chrono::steady_clock::now()});
    boost::asio::co_spawn(context_, serveSession(std::move(socket), session),
                          [this, session](const std::exception_ptr&) { sessions_.erase(session); });
  }
}

bool AdminServer::evictIdleSession() {
  auto oldest = sessions_.end();
  for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
    if (it->idle && it->socket != nullptr &&
        (oldest == sessions_.end() || it->idleSince < oldest->idleSince))
      oldest = it;
  }
  if (oldest == sessions_.end())
    return false;
  boost::system::error_code ignored;
  oldest->socket->close(ignored);  // its read fails, and the session ends
  oldest->socket = nullptr;
  return true;
}

struct AdminServer::Reply {
  Response response;
  bool isScrape = false;
  bool shutdownAfter = false;
};

AdminServer::Reply AdminServer::route(const Request& request,
                                      const boost::asio::ip::address& peer) {
  const auto target = request.target();
  const auto path = target.substr(0, target.find('?'));
  const bool isRead = request.method() == http::verb::get || request.method() == http::verb::head;
  const auto status = [&](http::status code, std::string body = {}) {
    return Reply{textResponse(request, code, std::move(body))};
  };
  if (path == "/live")
    return isRead ? status(http::status::ok, "live\n") : status(http::status::method_not_allowed);
  if (path == "/ready") {
    if (!isRead)
      return status(http::status::method_not_allowed);
    return hooks_.isReady() ? status(http::status::ok, "ready\n")
                            : status(http::status::service_unavailable, "not ready\n");
  }
  if (path == "/metrics") {
    if (!isRead)
      return status(http::status::method_not_allowed);
    if (scrapesInFlight_ >= kMaxConcurrentScrapes) {
      auto busy = status(http::status::service_unavailable);
      busy.response.set(http::field::retry_after, "1");
      return busy;
    }
    const auto format = metrics::negotiateFormat(request[http::field::accept]);
    auto body = registry_.render(format);
    auto reply = status(http::status::ok);
    reply.isScrape = true;
    reply.response.set(http::field::content_type, metrics::contentType(format));
    if (metrics::acceptsGzip(request[http::field::accept_encoding])) {
      if (auto compressed = metrics::gzipCompress(body); !compressed.empty()) {
        body = std::move(compressed);
        reply.response.set(http::field::content_encoding, "gzip");
      }
    }
    reply.response.body() = std::move(body);
    reply.response.prepare_payload();
    return reply;
  }
  if (path == "/shutdown" && hooks_.shutdown) {
    if (request.method() != http::verb::post)
      return status(http::status::method_not_allowed);
    if (!isLoopback(peer)) {
      spdlog::warn("refused /shutdown from non-loopback {}", peer.to_string());
      return status(http::status::forbidden);
    }
    auto reply = status(http::status::ok, "shutdown\n");
    reply.shutdownAfter = true;
    return reply;
  }
  return status(http::status::not_found);
}

boost::asio::awaitable<void> AdminServer::serveSession(boost::asio::ip::tcp::socket socket,
                                                       Sessions::iterator session) {
  boost::system::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec)
    co_return;
  boost::beast::tcp_stream stream(std::move(socket));
  session->socket = &stream.socket();
  boost::beast::flat_buffer buffer(kHeaderLimit);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    stream.expires_after(kRequestTimeout);
    session->idle = true;
    session->idleSince = std::chrono::steady_clock::now();
    // The first bytes of a request end the idle wait; a peer that sends half a header and
    // stops stays evictable, like one that sends nothing.
    auto [readError, bytes] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    if (session->socket == nullptr)
      co_return;  // evicted: the socket is closed and must not be touched again
    session->idle = false;
    if (readError) {
      if (readError != http::error::end_of_stream && readError != boost::beast::error::timeout) {
        spdlog::debug("admin request from {} refused: {}", peer.address().to_string(),
                      readError.message());
      }
      if (const auto status = statusForReadError(readError)) {
        // Answer, then close: what follows a malformed request cannot be framed.
        co_await writeRefusal(stream, *status);
      }
      break;
    }
    const auto& request = parser.get();
    if (request.version() / 10 != 1) {
      co_await writeRefusal(stream, http::status::http_version_not_supported);
      break;
    }
    auto reply = route(request, peer.address());
    if (request.method() == http::verb::head) {
      // Keep the Content-Length a GET would have, send no body.
      const auto length = reply.response.body().size();
      reply.response.body().clear();
      reply.response.content_length(length);
    }
    const bool keepAlive = reply.response.keep_alive();
    // Held while the body is written: a client that never reads keeps its slot only until
    // the write times out.
    if (reply.isScrape)
      ++scrapesInFlight_;
    stream.expires_after(kRequestTimeout);
    auto [writeError, written] = co_await http::async_write(stream, reply.response, kNoThrow);
    if (reply.isScrape)
      --scrapesInFlight_;
    if (reply.shutdownAfter)
      hooks_.shutdown();
    if (writeError || !keepAlive || session->socket == nullptr)
      break;
  }
  if (session->socket != nullptr)
    stream.socket().shutdown(boost::asio::socket_base::shutdown_send, ec);
}

}  // namespace wasmesh::proxy
