#include "wasmesh/proxy/http/InputBuffer.h"

#include <cstring>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy::http {
InputBuffer::InputBuffer(ByteStream& stream, std::size_t capacity)
    : stream_(stream),
      capacity_(capacity),
      watch_(std::make_shared<DeadlineWatch>(stream.socket().get_executor())) {
  watch_->stream = &stream_;
}

InputBuffer::~InputBuffer() {
  watch_->stream = nullptr;
  watch_->timer.cancel();
}

void InputBuffer::arm(const std::shared_ptr<DeadlineWatch>& watch, Clock::time_point at) {
  watch->armed = true;
  watch->armedFor = at;
  watch->timer.expires_at(at);
  watch->timer.async_wait([watch](const boost::system::error_code& error) {
    // Aborted: re-armed for another deadline, or the buffer went away.
    if (error == boost::asio::error::operation_aborted || watch->stream == nullptr)
      return;
    watch->armed = false;
    if (!watch->waiting)
      return;  // the next wait arms it again
    if (Clock::now() < watch->deadline) {
      arm(watch, watch->deadline);  // the deadline moved on since this was armed
      return;
    }
    // Ends the wait in progress; any other operation on the socket ends too, which is what
    // a timed-out connection wants.
    watch->expired = true;
    boost::system::error_code ignored;
    watch->stream->socket().cancel(ignored);
  });
}

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
    if (empty()) {
      // A kept-alive connection waiting for its next request holds no buffer.
      storage_.reset();
      allocated_ = start_ = end_ = 0;
    }
    if (Clock::now() >= deadline)
      co_return make_error_code(errc::http_header_timeout);
    auto& watch = *watch_;
    watch.deadline = deadline;
    watch.waiting = true;
    watch.expired = false;
    if (deadline != Clock::time_point::max() && (!watch.armed || watch.armedFor > deadline))
      arm(watch_, deadline);
    const auto waitError = co_await stream_.waitToRead();
    watch.waiting = false;
    if (watch.expired)
      co_return make_error_code(errc::http_header_timeout);
    if (waitError)
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
