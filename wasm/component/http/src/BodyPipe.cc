#include "wasmesh/wasm/component/http/BodyPipe.h"

#include <algorithm>

namespace wasmesh::wasm::component::http {
namespace {

void call(const std::shared_ptr<std::function<void()>>& listener) {
  if (listener && *listener)
    (*listener)();
}

}  // namespace

std::shared_ptr<BodyPipe> BodyPipe::empty() {
  auto pipe = std::make_shared<BodyPipe>(0);
  pipe->finish();
  return pipe;
}

std::size_t BodyPipe::room() const {
  const std::lock_guard lock(mutex_);
  if (readerClosed_)
    return std::max<std::size_t>(capacity_, 1);
  return buffered_ >= capacity_ ? 0 : capacity_ - buffered_;
}

void BodyPipe::write(std::span<const std::uint8_t> bytes) {
  std::shared_ptr<std::function<void()>> listener;
  {
    const std::lock_guard lock(mutex_);
    if (finished_ || error_ || bytes.empty())
      return;
    written_ += bytes.size();
    if (readerClosed_)
      return;
    chunks_.emplace_back(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    buffered_ += bytes.size();
    listener = readable_;
  }
  call(listener);
}

void BodyPipe::finish(std::optional<HttpFields> trailers) {
  std::shared_ptr<std::function<void()>> listener;
  {
    const std::lock_guard lock(mutex_);
    if (finished_ || error_)
      return;
    finished_ = true;
    trailers_ = std::move(trailers);
    listener = readable_;
  }
  call(listener);
}

void BodyPipe::fail(HttpError error) {
  std::shared_ptr<std::function<void()>> reader;
  std::shared_ptr<std::function<void()>> writer;
  {
    const std::lock_guard lock(mutex_);
    if (finished_ || error_)
      return;
    error_ = std::move(error);
    reader = readable_;
    writer = writable_;
  }
  call(reader);
  call(writer);
}

BodyPipe::Read BodyPipe::read(std::size_t max) {
  Read result;
  std::shared_ptr<std::function<void()>> listener;
  {
    const std::lock_guard lock(mutex_);
    // What arrived before a failure is still delivered; the failure comes after it.
    if (buffered_ == 0) {
      result.status = error_      ? Read::Status::failed
                      : finished_ ? Read::Status::end
                                  : Read::Status::pending;
      return result;
    }
    result.status = Read::Status::data;
    while (!chunks_.empty() && result.bytes.size() < max) {
      std::string& front = chunks_.front();
      const std::size_t take = std::min(max - result.bytes.size(), front.size() - frontOffset_);
      result.bytes.append(front, frontOffset_, take);
      frontOffset_ += take;
      if (frontOffset_ == front.size()) {
        chunks_.pop_front();
        frontOffset_ = 0;
      }
    }
    // Writers wait for room only when there was none.
    const bool wasFull = buffered_ >= capacity_;
    buffered_ -= result.bytes.size();
    if (wasFull)
      listener = writable_;
  }
  call(listener);
  return result;
}

bool BodyPipe::readable() const {
  const std::lock_guard lock(mutex_);
  return buffered_ > 0 || finished_ || error_;
}

void BodyPipe::closeReader() {
  std::shared_ptr<std::function<void()>> listener;
  {
    const std::lock_guard lock(mutex_);
    if (readerClosed_)
      return;
    readerClosed_ = true;
    chunks_.clear();
    frontOffset_ = 0;
    buffered_ = 0;
    listener = writable_;
  }
  call(listener);
}

bool BodyPipe::readerClosed() const {
  const std::lock_guard lock(mutex_);
  return readerClosed_;
}

bool BodyPipe::done() const {
  const std::lock_guard lock(mutex_);
  return finished_ || error_;
}

std::optional<HttpFields> BodyPipe::trailers() const {
  const std::lock_guard lock(mutex_);
  return trailers_;
}

std::optional<HttpError> BodyPipe::error() const {
  const std::lock_guard lock(mutex_);
  return error_;
}

std::uint64_t BodyPipe::bytesWritten() const {
  const std::lock_guard lock(mutex_);
  return written_;
}

void BodyPipe::onReadable(std::function<void()> listener) {
  auto shared = std::make_shared<std::function<void()>>(std::move(listener));
  const std::lock_guard lock(mutex_);
  readable_ = std::move(shared);
}

void BodyPipe::onWritable(std::function<void()> listener) {
  auto shared = std::make_shared<std::function<void()>>(std::move(listener));
  const std::lock_guard lock(mutex_);
  writable_ = std::move(shared);
}

}  // namespace wasmesh::wasm::component::http
