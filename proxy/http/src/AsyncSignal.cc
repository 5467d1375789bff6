#include "AsyncSignal.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wasmesh::proxy::http {

AsyncSignal::AsyncSignal(const boost::asio::any_io_executor& executor)
    : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

void AsyncSignal::notify() {
  notified_ = true;
  timer_.cancel();
}

boost::asio::awaitable<void> AsyncSignal::wait() {
  if (!notified_) {
    // The timer never expires: only notify() (or the executor's end) completes the wait.
    timer_.expires_at(boost::asio::steady_timer::time_point::max());
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  notified_ = false;
}

}  // namespace wasmesh::proxy::http
