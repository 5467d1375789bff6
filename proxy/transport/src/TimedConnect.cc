#include "wasmesh/proxy/TimedConnect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {

boost::asio::awaitable<boost::system::error_code> connectWithin(
    boost::asio::ip::tcp::socket& socket, const boost::asio::ip::tcp::endpoint& target,
    std::chrono::milliseconds timeout) {
  using boost::asio::experimental::awaitable_operators::operator||;
  constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
  boost::asio::steady_timer timer(socket.get_executor(), timeout);
  auto woken = co_await (socket.async_connect(target, kNoThrow) || timer.async_wait(kNoThrow));
  if (woken.index() == 1)
    co_return make_error_code(errc::connect_timeout);
  auto [error] = std::get<0>(woken);
  if (!error) {
    boost::system::error_code ignored;
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  }
  co_return error;
}

}  // namespace wasmesh::proxy
