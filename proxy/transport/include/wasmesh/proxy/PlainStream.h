#pragma once

#include "wasmesh/proxy/ByteStream.h"

namespace wasmesh::proxy {

// A ByteStream over a TCP socket the caller owns; the socket is made non-blocking.
class PlainStream final : public ByteStream {
 public:
  explicit PlainStream(boost::asio::ip::tcp::socket& socket);

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override;
  boost::asio::awaitable<boost::system::error_code> waitToRead() override;
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override;
  boost::asio::awaitable<boost::system::error_code> writeGathered(
      std::span<const std::span<const std::uint8_t>> parts) override;
  boost::asio::awaitable<void> shutdownSend() override;
  boost::asio::ip::tcp::socket& socket() noexcept override { return socket_; }

 private:
  boost::asio::ip::tcp::socket& socket_;
};

}  // namespace wasmesh::proxy
