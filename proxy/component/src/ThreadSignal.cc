#include "wasmesh/proxy/component/ThreadSignal.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace wasmesh::proxy::component {

ThreadSignal::ThreadSignal(const boost::asio::any_io_executor& executor)
    : timer_(executor, boost::asio::steady_timer::time_point::max()) {}

void ThreadSignal::notify() {
  if (pending_.exchange(true))
    return;  // a wake-up is already on its way
  boost::asio::post(timer_.get_executor(), [self = shared_from_this()] { self->timer_.cancel(); });
}

boost::asio::awaitable<void> ThreadSignal::wait() {
  if (pending_.exchange(false))
    co_return;
  auto [error] = co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  static_cast<void>(error);  // woken (cancel) or the waiter itself was cancelled
  pending_.store(false);
}

}  // namespace wasmesh::proxy::component
