#pragma once

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/TcpMetrics.h"

namespace wasmesh::proxy {

// A ByteStream that counts what passes through it in one side's tcp_read/write_bytes_total,
// for connections the HTTP codecs read and write rather than the relay.
class CountingStream final : public ByteStream {
 public:
  CountingStream(ByteStream& inner, TcpSideMetrics& metrics) : inner_(inner), metrics_(metrics) {}

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override {
    const auto count = inner_.readSome(into, error);
    if (!error)
      metrics_.read(count);
    return count;
  }
  boost::asio::awaitable<boost::system::error_code> waitToRead() override {
    co_return co_await inner_.waitToRead();
  }
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override {
    const auto error = co_await inner_.writeAll(bytes);
    if (!error)
      metrics_.wrote(bytes.size());
    co_return error;
  }
  boost::asio::awaitable<boost::system::error_code> writeGathered(
      std::span<const std::span<const std::uint8_t>> parts) override {
    const auto error = co_await inner_.writeGathered(parts);
    if (!error) {
      std::size_t total = 0;
      for (const auto part : parts)
        total += part.size();
      metrics_.wrote(total);
    }
    co_return error;
  }
  boost::asio::awaitable<void> shutdownSend() override { co_await inner_.shutdownSend(); }
  boost::asio::ip::tcp::socket& socket() noexcept override { return inner_.socket(); }

 private:
  ByteStream& inner_;
  TcpSideMetrics& metrics_;
};

}  // namespace wasmesh::proxy
