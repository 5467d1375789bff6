#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wasmesh::proxy::http {

// A one-shot event coroutines on one executor can wait for: set() wakes every waiter, and
// waits after set() complete at once. A timer that never expires by itself is the wait
// queue (Asio's idiom for a condition on one strand).
class AsyncEvent {
 public:
  explicit AsyncEvent(const boost::asio::any_io_executor& executor)
      : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool isSet() const noexcept { return set_; }

  boost::asio::awaitable<void> wait() {
    while (!set_) {
      auto [error] = co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      static_cast<void>(error);  // woken by set() (cancel) or by cancellation of the waiter
      if (!set_)
        co_return;  // the waiter itself was cancelled
    }
  }

 private:
  boost::asio::steady_timer timer_;
  bool set_ = false;
};

}  // namespace wasmesh::proxy::http
