#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <functional>
#include <string>
#include <thread>
#include <unordered_set>

namespace wasmesh::proxy {

// Something a worker can drain when shutting down and abort when the grace period runs out.
class Abortable {
 public:
  virtual ~Abortable() = default;
  virtual void abort() = 0;
  // Finish what is in flight, start nothing new (HTTP: GOAWAY, Connection: close).
  virtual void drain() {}
};

// One thread, one io_context. A connection is accepted, served and closed on one worker, so
// nothing a connection touches needs a lock. The worker's index is its metrics shard.
class Worker {
 public:
  explicit Worker(std::size_t index);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  std::size_t index() const noexcept { return index_; }
  boost::asio::io_context& context() noexcept { return context_; }

  void start();
  // Lets the io_context run out of work and joins the thread.
  void stop();

  // Called on the worker's thread only.
  void track(Abortable& connection) { connections_.insert(&connection); }
  void untrack(Abortable& connection) { connections_.erase(&connection); }
  // Aborts every tracked connection; runs on the worker's thread.
  void abortAll();
  // Tells every tracked connection to drain; runs on the worker's thread.
  void drainAll();

 private:
  std::size_t index_;
  // Declared before the context: destroying the context destroys suspended connections,
  // whose destructors untrack themselves from this set.
  std::unordered_set<Abortable*> connections_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace wasmesh::proxy
