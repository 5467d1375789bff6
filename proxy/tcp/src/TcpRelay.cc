#include "wasmesh/proxy/TcpRelay.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

// Closing with SO_LINGER 0 sends RST: the peer learns the conversation failed rather than
// ended, the same thing the proxy itself was told.
void resetSocket(boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  if (!socket.is_open())
    return;
  socket.set_option(boost::asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

// After a RST the kernel reports the error once; if a send on the other coroutine consumed
// it, a read returns 0 as if the peer had sent FIN. The TCP state tells them apart:
// CLOSE after a reset, CLOSE_WAIT after a FIN. Only meaningful while we have not sent our
// own FIN on that socket: after both FINs the socket is CLOSE too (handed to TIME_WAIT).
bool wasReset(boost::asio::ip::tcp::socket& socket) {
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (::getsockopt(socket.native_handle(), IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    return false;
  }
  return info.tcpi_state == TCP_CLOSE;
}

}  // namespace

TcpRelay::TcpRelay(ByteStream& client, ByteStream& server, BufferPool& buffers,
                   TcpSideMetrics& clientMetrics, TcpSideMetrics& serverMetrics)
    : client_(client),
      server_(server),
      buffers_(buffers),
      clientMetrics_(clientMetrics),
      serverMetrics_(serverMetrics) {}

boost::asio::awaitable<RelayOutcome> TcpRelay::run(std::chrono::milliseconds idleTimeout) {
  using boost::asio::experimental::awaitable_operators::operator&&;
  using boost::asio::experimental::awaitable_operators::operator||;
  co_await ((pump(Side::client) && pump(Side::server)) || watchIdle(idleTimeout));
  co_return outcome_;
}

boost::asio::awaitable<void> TcpRelay::pump(Side from) {
  auto& source = stream(from);
  auto& sink = stream(from == Side::client ? Side::server : Side::client);
  auto& sourceMetrics = from == Side::client ? clientMetrics_ : serverMetrics_;
  auto& sinkMetrics = from == Side::client ? serverMetrics_ : clientMetrics_;
  const Side to = from == Side::client ? Side::server : Side::client;
  while (!failed_) {
    auto buffer = buffers_.acquire();
    boost::system::error_code readError;
    const auto bytesRead =
        source.readSome(std::span<std::uint8_t>(buffer.data(), buffers_.bufferSize()), readError);
    if (readError == boost::asio::error::would_block) {
      // Nothing to read: give the buffer back before sleeping, so idle costs no memory.
      buffer.release();
      if (auto waitError = co_await source.waitToRead()) {
        fail(from, waitError);
        co_return;
      }
      continue;
    }
    if (readError == boost::asio::error::eof) {
      if (!finSent_[from == Side::client ? 0 : 1] && wasReset(source.socket())) {
        fail(from, boost::asio::error::connection_reset);
        co_return;
      }
      co_await sink.shutdownSend();
      finSent_[to == Side::client ? 0 : 1] = true;
      co_return;
    }
    if (readError) {
      fail(from, readError);
      co_return;
    }
    sourceMetrics.read(bytesRead);
    ++activity_;
    if (auto writeError = co_await sink.writeAll({buffer.data(), bytesRead})) {
      fail(to, writeError);
      co_return;
    }
    sinkMetrics.wrote(bytesRead);
  }
}

boost::asio::awaitable<void> TcpRelay::watchIdle(std::chrono::milliseconds idleTimeout) {
  if (idleTimeout.count() == 0) {
    // Idle timeout disabled: wait until the pumps finish and cancel us.
    idleTimeout = std::chrono::hours{24 * 365};
  }
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  // Checking a counter each period rather than a clock per read keeps the hot path free of
  // timer work; the price is closing somewhere between one and two periods of silence.
  auto seen = activity_;
  while (true) {
    timer.expires_after(idleTimeout);
    auto [waitError] = co_await timer.async_wait(kNoThrow);
    if (waitError)
      co_return;  // cancelled: the pumps finished first
    if (activity_ == seen)
      break;
    seen = activity_;
  }
  if (!failed_) {
    failed_ = true;
    outcome_.clientError = errc::idle_timeout;
    outcome_.serverError = errc::idle_timeout;
  }
}

void TcpRelay::fail(Side side, const boost::system::error_code& error) {
  if (failed_)
    return;  // the first failure is the cause; what follows is its echo
  if (error == boost::asio::error::operation_aborted)
    return;
  failed_ = true;
  (side == Side::client ? outcome_.clientError : outcome_.serverError) = error;
  resetSocket(stream(side == Side::client ? Side::server : Side::client).socket());
  boost::system::error_code ignored;
  stream(side).socket().close(ignored);
}

}  // namespace wasmesh::proxy
