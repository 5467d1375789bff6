#include "DemoEchoApp.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace wasmesh::app {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

boost::asio::awaitable<void> echo(boost::asio::ip::tcp::socket socket) {
  std::array<char, std::size_t{16} * 1024> buffer{};
  while (true) {
    auto [readError, n] = co_await socket.async_read_some(boost::asio::buffer(buffer), kNoThrow);
    if (readError)
      break;
    auto [writeError, w] =
        co_await boost::asio::async_write(socket, boost::asio::buffer(buffer.data(), n), kNoThrow);
    if (writeError)
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
    boost::asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), boost::asio::detached);
  }
}

}  // namespace

DemoEchoApp::DemoEchoApp(const boost::asio::ip::tcp::endpoint& endpoint)
    : acceptor_(context_, endpoint) {
  boost::asio::co_spawn(context_, acceptLoop(acceptor_), boost::asio::detached);
  thread_ = std::thread([this] { context_.run(); });
}

DemoEchoApp::~DemoEchoApp() {
  context_.stop();
  if (thread_.joinable())
    thread_.join();
}

}  // namespace wasmesh::app
