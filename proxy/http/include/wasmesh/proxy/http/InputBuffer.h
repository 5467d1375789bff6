#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "wasmesh/proxy/ByteStream.h"

namespace wasmesh::proxy::http {

// Bytes read from a connection and not yet consumed by its parser, at most `capacity` of
// them, read with a deadline. The buffer grows only as bytes arrive and shrinks back when
// drained, so an idle kept-alive connection holds none.
class InputBuffer {
 public:
  using Clock = std::chrono::steady_clock;

  InputBuffer(ByteStream& stream, std::size_t capacity);
  ~InputBuffer();
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  std::span<const std::uint8_t> data() const noexcept {
    return {storage_.get() + start_, end_ - start_};
  }
  bool empty() const noexcept { return start_ == end_; }
  bool full() const noexcept { return end_ - start_ >= capacity_; }
  void consume(std::size_t count) noexcept;
  // Bytes read before this buffer existed (what protocol detection consumed).
  void append(std::span<const std::uint8_t> bytes);

  // Reads what the peer has sent, waiting until `deadline`: an empty error on progress,
  // `eof` at the peer's end of sending, errc::http_header_timeout at the deadline,
  // errc::http_headers_too_large when full, or the socket's error.
  // Reads at most kReadChunk bytes at a time. Not more: the buffer is freed whenever it
  // empties, and 64 KiB reads of upstream responses (one 64 KiB allocation per response) took
  // the proxy's CPU per 128 B request from 56 to 76 us with two workers (bench/http.sh h1).
  boost::asio::awaitable<boost::system::error_code> fill(Clock::time_point deadline);
  static constexpr std::size_t kReadChunk = std::size_t{16} * 1024;

  // Everything not consumed, handed over with the stream (after a protocol switch).
  std::vector<std::uint8_t> takeRemaining();

  ByteStream& stream() noexcept { return stream_; }

 private:
  // Room for `more` bytes after end_, moving or growing the storage as needed.
  void reserve(std::size_t more);

  // The deadline of the wait in progress, watched by one timer that is re-armed lazily: a
  // kept-alive connection moves its deadline with every request, and racing a fresh timer
  // against every socket wait (a parallel group: two coroutines and their frames) cost 9 %
  // of the proxy under wrk. Shared with the timer's handler, which can outlive the buffer.
  struct DeadlineWatch {
    explicit DeadlineWatch(const boost::asio::any_io_executor& executor) : timer(executor) {}
    ByteStream* stream = nullptr;  // null once the buffer is gone
    boost::asio::steady_timer timer;
    Clock::time_point deadline;
    Clock::time_point armedFor;
    bool armed = false;
    bool waiting = false;
    bool expired = false;
  };
  static void arm(const std::shared_ptr<DeadlineWatch>& watch, Clock::time_point at);

  ByteStream& stream_;
  std::size_t capacity_;
  // Not a vector: a vector zero-fills what it grows by, for every read.
  std::unique_ptr<std::uint8_t[]> storage_;
  std::size_t allocated_ = 0;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  std::shared_ptr<DeadlineWatch> watch_;
};

}  // namespace wasmesh::proxy::http
