#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace wasmesh::proxy::component {

// Wakes a coroutine on an event loop from another thread (a guest's): notify() may be called
// from any thread and posts the wake-up to the loop; wait() returns after a notify() that
// came since the last wait() returned, or spuriously, or when the waiting coroutine is
// cancelled. Waiters re-check what they wait for, so a wake-up is never lost: a notify()
// between their check and their wait() leaves the signal set, and wait() returns at once.
// One waiting coroutine per signal.
class ThreadSignal : public std::enable_shared_from_this<ThreadSignal> {
 public:
  explicit ThreadSignal(const boost::asio::any_io_executor& executor);

  void notify();
  boost::asio::awaitable<void> wait();

 private:
  boost::asio::steady_timer timer_;
  std::atomic<bool> pending_{false};
};

}  // namespace wasmesh::proxy::component
