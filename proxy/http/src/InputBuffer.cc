#include "wasmesh/proxy/http/InputBuffer.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

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
  start_ += std::min(count, end_ - start_);
  if (start_ == end_) {
    // An idle kept-alive connection holds no buffer.
    storage_.reset();
    allocated_ = start_ = end_ = 0;
  }
}

void InputBuffer::reserve(std::size_t more) {
  if (end_ + more <= allocated_)
    return;
  const auto used = end_ - start_;
  if (used + more <= allocated_ && start_ > 0) {
    std::memmove(storage_.get(), storage_.get() + start_, used);
  } else {
    allocated_ = std::max(used + more, 2 * allocated_);
    auto grown = std::make_unique_for_overwrite<std::uint8_t[]>(allocated_);
    if (used > 0)
      std::memcpy(grown.get(), storage_.get() + start_, used);
    storage_ = std::move(grown);
  }
  start_ = 0;
  end_ = used;
}

void InputBuffer::append(std::span<const std::uint8_t> bytes) {
  if (bytes.empty())
    return;
  reserve(bytes.size());
  std::memcpy(storage_.get() + end_, bytes.data(), bytes.size());
  end_ += bytes.size();
}

boost::asio::awaitable<boost::system::error_code> InputBuffer::fill(Clock::time_point deadline) {
  using boost::asio::experimental::awaitable_operators::operator||;
  if (full())
    co_return make_error_code(errc::http_headers_too_large);
  while (true) {
    const auto room = std::min(kReadChunk, capacity_ - (end_ - start_));
    reserve(room);
    boost::system::error_code error;
    const auto got = stream_.readSome({storage_.get() + end_, room}, error);
    if (!error && got > 0) {
      end_ += got;
      co_return boost::system::error_code{};
    }
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
  const auto rest = data();
  std::vector<std::uint8_t> out(rest.begin(), rest.end());
  storage_.reset();
  allocated_ = start_ = end_ = 0;
  return out;
}

}  // namespace wasmesh::proxy::http
