#include "wasmesh/proxy/MeteredStream.h"

#include <boost/asio/error.hpp>

#include "wasmesh/proxy/ErrnoName.h"

namespace wasmesh::proxy {

MeteredStream::MeteredStream(std::unique_ptr<ByteStream> inner, TcpSideMetrics metrics)
    : inner_(std::move(inner)), metrics_(std::move(metrics)) {
  metrics_.open();
}

MeteredStream::~MeteredStream() {
  metrics_.close(errnoName(firstError_));
}

void MeteredStream::note(const boost::system::error_code& error) {
  // would_block and the peer's orderly end are how reads go, not failures.
  if (!error || firstError_ || error == boost::asio::error::would_block ||
      error == boost::asio::error::eof) {
    return;
  }
  firstError_ = error;
}

std::size_t MeteredStream::readSome(std::span<std::uint8_t> into,
                                    boost::system::error_code& error) {
  const auto count = inner_->readSome(into, error);
  if (error)
    note(error);
  else
    metrics_.read(count);
  return count;
}

boost::asio::awaitable<boost::system::error_code> MeteredStream::waitToRead() {
  co_return co_await inner_->waitToRead();
}

boost::asio::awaitable<boost::system::error_code> MeteredStream::writeAll(
    std::span<const std::uint8_t> bytes) {
  const auto error = co_await inner_->writeAll(bytes);
  if (error)
    note(error);
  else
    metrics_.wrote(bytes.size());
  co_return error;
}

boost::asio::awaitable<boost::system::error_code> MeteredStream::writeGathered(
    std::span<const std::span<const std::uint8_t>> parts) {
  const auto error = co_await inner_->writeGathered(parts);
  if (error) {
    note(error);
  } else {
    std::size_t total = 0;
    for (const auto part : parts)
      total += part.size();
    metrics_.wrote(total);
  }
  co_return error;
}

boost::asio::awaitable<void> MeteredStream::shutdownSend() {
  co_await inner_->shutdownSend();
}

boost::asio::ip::tcp::socket& MeteredStream::socket() noexcept {
  return inner_->socket();
}

}  // namespace wasmesh::proxy
