#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "wasmesh/wasm/component/http/HttpTypes.h"

namespace wasmesh::wasm::component::http {

// A message body crossing between two threads: the guest's, which blocks in the host, and
// the embedder's event loop, which must never block. Bytes up to a bound (backpressure: the
// writer is told how much room there is), then an end with optional trailers, or a failure.
// Each side registers a listener, called on whichever thread made a change that side cares
// about, without the pipe's lock held: the guest's side notifies its GuestWaker, the
// embedder's posts to its event loop.
class BodyPipe {
 public:
  static constexpr std::size_t kDefaultCapacity = std::size_t{64} * 1024;

  explicit BodyPipe(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  BodyPipe(const BodyPipe&) = delete;
  BodyPipe& operator=(const BodyPipe&) = delete;

  // A pipe that is already finished: an empty body.
  static std::shared_ptr<BodyPipe> empty();

  // The writing side. write() takes any amount (a network read is not cut to fit), but a
  // writer that respects room() keeps the buffer within capacity. After the reader is gone,
  // writes are dropped (the embedder still drains what the client sends).
  std::size_t room() const;
  void write(std::span<const std::uint8_t> bytes);
  void finish(std::optional<HttpFields> trailers = std::nullopt);
  void fail(HttpError error);

  struct Read {
    enum class Status : std::uint8_t { data, pending, end, failed };
    Status status = Status::pending;
    std::string bytes;
  };
  // The reading side: up to `max` buffered bytes, `pending` when there are none yet, `end` once
  // everything was read and the writer finished, `failed` when the writer failed.
  Read read(std::size_t max);
  bool readable() const;
  // The reader lost interest: what is buffered is dropped, and so is every later write.
  void closeReader();
  bool readerClosed() const;

  // Whether the writer finished or failed (whatever was read so far).
  bool done() const;
  std::optional<HttpFields> trailers() const;
  std::optional<HttpError> error() const;
  std::uint64_t bytesWritten() const;

  void onReadable(std::function<void()> listener);
  void onWritable(std::function<void()> listener);

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<std::string> chunks_;
  std::size_t frontOffset_ = 0;
  std::size_t buffered_ = 0;
  std::uint64_t written_ = 0;
  bool finished_ = false;
  bool readerClosed_ = false;
  std::optional<HttpFields> trailers_;
  std::optional<HttpError> error_;
  // Shared so a listener can be called after the lock is released while another thread
  // replaces it.
  std::shared_ptr<std::function<void()>> readable_;
  std::shared_ptr<std::function<void()>> writable_;
};

}  // namespace wasmesh::wasm::component::http
