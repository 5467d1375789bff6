#pragma once

#include <memory>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/TcpMetrics.h"

namespace wasmesh::proxy {

// An upstream connection of the HTTP pools, owned and counted: the connection's own tcp_*
// series on the connected (`dst`) side, opened when it is made and closed when the pool
// lets it go, so pooled and multiplexed connections show in the TCP metrics as relayed ones
// do. The first hard error, if any, is the close's errno.
class MeteredStream final : public ByteStream {
 public:
  MeteredStream(std::unique_ptr<ByteStream> inner, TcpSideMetrics metrics);
  ~MeteredStream() override;
  MeteredStream(const MeteredStream&) = delete;
  MeteredStream& operator=(const MeteredStream&) = delete;

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override;
  boost::asio::awaitable<boost::system::error_code> waitToRead() override;
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override;
  boost::asio::awaitable<boost::system::error_code> writeGathered(
      std::span<const std::span<const std::uint8_t>> parts) override;
  boost::asio::awaitable<void> shutdownSend() override;
  boost::asio::ip::tcp::socket& socket() noexcept override;

 private:
  void note(const boost::system::error_code& error);

  std::unique_ptr<ByteStream> inner_;
  TcpSideMetrics metrics_;
  boost::system::error_code firstError_;
};

}  // namespace wasmesh::proxy
