#include "DemoHttpApp.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace wasmesh::app {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// The demo's own client is the only one; a bound keeps a stray client from growing memory.
constexpr std::uint64_t kMaxRequestBytes = std::uint64_t{64} * 1024;

boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket) {
  boost::beast::flat_buffer buffer(kMaxRequestBytes);
  while (true) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxRequestBytes);
    auto [readError, n] = co_await http::async_read(socket, buffer, parser, kNoThrow);
    if (readError)
      break;
    const auto& request = parser.get();
    const bool fail = request.target() == "/fail";
    http::response<http::string_body> response(
        fail ? http::status::internal_server_error : http::status::ok, request.version());
    response.set(http::field::content_type, "text/plain");
    response.body() =
        fail ? "failing on purpose\n" : "hello from " + std::string(request.target()) + "\n";
    response.keep_alive(request.keep_alive());
    response.prepare_payload();
    auto [writeError, w] = co_await http::async_write(socket, response, kNoThrow);
    if (writeError || !request.keep_alive())
      break;
  }
  boost::system::error_code ignored;
  socket.shutdown(boost::asio::socket_base::shutdown_send, ignored);
}

boost::asio::awaitable<void> acceptLoop(boost::asio::ip::tcp::acceptor& acceptor) {
  while (acceptor.is_open()) {
    auto [error, socket] = co_await acceptor.async_accept(kNoThrow);
    if (error)
      co_return;
    boost::asio::co_spawn(acceptor.get_executor(), serve(std::move(socket)), boost::asio::detached);
  }
}

}  // namespace

DemoHttpApp::DemoHttpApp(const boost::asio::ip::tcp::endpoint& endpoint)
    : acceptor_(context_, endpoint) {
  boost::asio::co_spawn(context_, acceptLoop(acceptor_), boost::asio::detached);
  thread_ = std::thread([this] { context_.run(); });
}

DemoHttpApp::~DemoHttpApp() {
  context_.stop();
  if (thread_.joinable())
    thread_.join();
}

}  // namespace wasmesh::app
