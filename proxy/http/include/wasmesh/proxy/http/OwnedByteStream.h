#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "wasmesh/proxy/ByteStream.h"

namespace wasmesh::proxy::http {

// A ByteStream that owns what it runs on: the TCP socket and, for TLS, the TlsStream that
// borrows it. What a pooled upstream connection (Http2ClientConnection) keeps, so the
// connection can outlive the coroutine that dialled it. The inner stream is destroyed
// before the socket it refers to.
class OwnedByteStream final : public ByteStream {
 public:
  // Plain TCP.
  static std::unique_ptr<OwnedByteStream> plain(boost::asio::ip::tcp::socket socket);
  // `inner` reads and writes `*socket` (a TlsStream made over it, handshake done).
  OwnedByteStream(std::unique_ptr<boost::asio::ip::tcp::socket> socket,
                  std::unique_ptr<ByteStream> inner);
  ~OwnedByteStream() override;
  OwnedByteStream(const OwnedByteStream&) = delete;
  OwnedByteStream& operator=(const OwnedByteStream&) = delete;

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override {
    return inner_->readSome(into, error);
  }
  boost::asio::awaitable<boost::system::error_code> waitToRead() override {
    return inner_->waitToRead();
  }
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override {
    return inner_->writeAll(bytes);
  }
  boost::asio::awaitable<boost::system::error_code> writeGathered(
      std::span<const std::span<const std::uint8_t>> parts) override {
    return inner_->writeGathered(parts);
  }
  boost::asio::awaitable<void> shutdownSend() override { return inner_->shutdownSend(); }
  boost::asio::ip::tcp::socket& socket() noexcept override { return *socket_; }

  ByteStream& inner() noexcept { return *inner_; }

 private:
  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;  // declared first: destroyed last
  std::unique_ptr<ByteStream> inner_;
};

}  // namespace wasmesh::proxy::http
