#include "wasmesh/proxy/BufferPool.h"

namespace wasmesh::proxy {

void BufferPool::Lease::release() {
  if (pool_ != nullptr && buffer_ != nullptr)
    pool_->giveBack(std::move(buffer_));
  buffer_.reset();
}

BufferPool::BufferPool(std::size_t bufferSize, std::size_t maxIdle)
    : bufferSize_(bufferSize), maxIdle_(maxIdle) {}

BufferPool::Lease BufferPool::acquire() {
  if (free_.empty())
    return Lease(this, std::make_unique_for_overwrite<std::uint8_t[]>(bufferSize_));
  auto buffer = std::move(free_.back());
  free_.pop_back();
  return Lease(this, std::move(buffer));
}

void BufferPool::giveBack(std::unique_ptr<std::uint8_t[]> buffer) {
  if (free_.size() < maxIdle_)
    free_.push_back(std::move(buffer));
}

}  // namespace wasmesh::proxy
