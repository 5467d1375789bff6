#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace wasmesh::proxy {

// Relay buffers of one worker. A connection holds a buffer only while bytes are in flight,
// so ten thousand idle connections cost no buffer memory. Not thread-safe: one per worker.
class BufferPool {
 public:
  class Lease {
   public:
    Lease() = default;
    Lease(BufferPool* pool, std::unique_ptr<std::uint8_t[]> buffer)
        : pool_(pool), buffer_(std::move(buffer)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&& other) noexcept {
      release();
      pool_ = other.pool_;
      buffer_ = std::move(other.buffer_);
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { release(); }

    std::uint8_t* data() const noexcept { return buffer_.get(); }
    explicit operator bool() const noexcept { return buffer_ != nullptr; }
    void release();

   private:
    BufferPool* pool_ = nullptr;
    std::unique_ptr<std::uint8_t[]> buffer_;
  };

  // Keeps at most `maxIdle` free buffers; more are freed on return.
  BufferPool(std::size_t bufferSize, std::size_t maxIdle);

  Lease acquire();
  std::size_t bufferSize() const noexcept { return bufferSize_; }
  std::size_t idleCount() const noexcept { return free_.size(); }

 private:
  void giveBack(std::unique_ptr<std::uint8_t[]> buffer);

  std::size_t bufferSize_;
  std::size_t maxIdle_;
  std::vector<std::unique_ptr<std::uint8_t[]>> free_;
};

}  // namespace wasmesh::proxy
