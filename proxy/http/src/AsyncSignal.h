#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

namespace wasmesh::proxy::http {

// Wakes one waiting coroutine on the same executor (the HTTP/2 codecs' condition variable).
// A notify with nobody waiting is remembered, so a waiter that checks its condition, then
// waits, never misses a wake-up; waiters re-check their condition after every wake-up.
class AsyncSignal {
 public:
  explicit AsyncSignal(const boost::asio::any_io_executor& executor);

  void notify();
  boost::asio::awaitable<void> wait();

 private:
  boost::asio::steady_timer timer_;
  bool notified_ = false;
};

}  // namespace wasmesh::proxy::http
