#include "wasmesh/proxy/http/InputBuffer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy::http {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// One read takes at most this much; enough for a header section or a body chunk.
constexpr std::size_t kReadChunk = 16 * 1024;

}  // namespace

InputBuffer::InputBuffer(ByteStream& stream, std::size_t capacity)
    : stream_(stream), capacity_(capacity), timer_(stream.socket().get_executor()) {}

void InputBuffer::consume(std::size_t count) noexcept {
  start_ += std::min(count, bytes_.size() - start_);
  if (start_ == bytes_.size()) {
    bytes_.clear();
    bytes_.shrink_to_fit();  // an idle kept-alive connection holds no buffer
    start_ = 0;
  }
}

void InputBuffer::append(std::span<const std::uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
}

boost::asio::awaitable<boost::system::error_code> InputBuffer::fill(Clock::time_point deadline) {
  using boost::asio::experimental::awaitable_operators::operator||;
  if (full())
    co_return make_error_code(errc::http_headers_too_large);
  if (start_ > 0 && start_ >= bytes_.size() / 2) {
    bytes_.erase(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  while (true) {
    const auto used = bytes_.size();
    const auto room = std::min(kReadChunk, capacity_ - (used - start_));
    bytes_.resize(used + room);
    boost::system::error_code error;
    const auto got = stream_.readSome({bytes_.data() + used, room}, error);
    bytes_.resize(used + (error ? 0 : got));
    if (!error && got > 0)
      co_return boost::system::error_code{};
    if (!error && got == 0)
      co_return make_error_code(boost::asio::error::eof);
    if (error != boost::asio::error::would_block)
      co_return error;
    if (Clock::now() >= deadline)
      co_return make_error_code(errc::http_header_timeout);
    timer_.expires_at(deadline);
    auto woken = co_await (stream_.waitToRead() || timer_.async_wait(kNoThrow));
    if (woken.index() == 1)
      co_return make_error_code(errc::http_header_timeout);
    if (const auto waitError = std::get<0>(woken))
      co_return waitError;
  }
}

std::vector<std::uint8_t> InputBuffer::takeRemaining() {
  std::vector<std::uint8_t> rest(bytes_.begin() + static_cast<std::ptrdiff_t>(start_),
                                 bytes_.end());
  bytes_.clear();
  start_ = 0;
  return rest;
}

}  // namespace wasmesh::proxy::http
