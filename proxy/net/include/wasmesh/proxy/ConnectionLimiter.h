#pragma once

#include <atomic>
#include <cstdint>

namespace wasmesh::proxy {

// Caps the connections one side of the proxy (inbound or outbound) serves at once, across
// workers.
class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(std::uint32_t limit) : limit_(limit) {}
  ConnectionLimiter(const ConnectionLimiter&) = delete;
  ConnectionLimiter& operator=(const ConnectionLimiter&) = delete;

  bool tryAcquire() noexcept {
    auto current = active_.load(std::memory_order_relaxed);
    do {
      if (current >= limit_)
        return false;
    } while (!active_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
    return true;
  }
  void release() noexcept { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::uint32_t active() const noexcept { return active_.load(std::memory_order_relaxed); }
  std::uint32_t limit() const noexcept { return limit_; }

 private:
  std::uint32_t limit_;
  std::atomic<std::uint32_t> active_{0};
};

}  // namespace wasmesh::proxy
