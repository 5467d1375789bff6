#include "wasmesh/proxy/PlainStream.h"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace

PlainStream::PlainStream(boost::asio::ip::tcp::socket& socket) : socket_(socket) {
  // Asio issues ioctl(FIONBIO) on every call, even when the socket already is non-blocking
  // (detection made it so): two syscalls per connection saved (of about 27).
  if (!socket_.non_blocking()) {
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
  }
}

std::size_t PlainStream::readSome(std::span<std::uint8_t> into, boost::system::error_code& error) {
  const auto count = socket_.read_some(boost::asio::buffer(into.data(), into.size()), error);
  if (error == boost::asio::error::try_again)
    error = boost::asio::error::would_block;
  return count;
}

boost::asio::awaitable<boost::system::error_code> PlainStream::waitToRead() {
  auto [error] = co_await socket_.async_wait(boost::asio::socket_base::wait_read, kNoThrow);
  co_return error;
}

boost::asio::awaitable<boost::system::error_code> PlainStream::writeAll(
    std::span<const std::uint8_t> bytes) {
  auto [error, written] = co_await boost::asio::async_write(
      socket_, boost::asio::buffer(bytes.data(), bytes.size()), kNoThrow);
  co_return error;
}

boost::asio::awaitable<boost::system::error_code> PlainStream::writeGathered(
    std::span<const std::span<const std::uint8_t>> parts) {
  if (parts.size() > kMaxGathered)
    co_return co_await ByteStream::writeGathered(parts);  // never truncated
  std::array<boost::asio::const_buffer, kMaxGathered> buffers;
  std::size_t count = 0;
  for (const auto part : parts)
    buffers[count++] = boost::asio::buffer(part.data(), part.size());
  auto [error, written] = co_await boost::asio::async_write(
      socket_, std::span<const boost::asio::const_buffer>(buffers.data(), count), kNoThrow);
  co_return error;
}

boost::asio::awaitable<void> PlainStream::shutdownSend() {
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::socket_base::shutdown_send, ignored);
  co_return;
}

}  // namespace wasmesh::proxy
