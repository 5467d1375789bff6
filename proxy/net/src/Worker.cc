#include "wasmesh/proxy/Worker.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <vector>

namespace wasmesh::proxy {

Worker::Worker(std::size_t index) : index_(index), guard_(context_.get_executor()) {}

Worker::~Worker() {
  stop();
}

void Worker::start() {
  thread_ = std::thread([this] {
    const auto name = "wasmesh-w" + std::to_string(index_);
    pthread_setname_np(pthread_self(), name.c_str());
    try {
      context_.run();
    } catch (const std::exception& error) {
      // Handlers do not throw by design; reaching here is a bug worth a loud line.
      spdlog::critical("worker {} stopped by an exception: {}", index_, error.what());
    }
  });
}

void Worker::stop() {
  guard_.reset();
  if (thread_.joinable()) {
    if (std::this_thread::get_id() == thread_.get_id())
      return;
    context_.stop();
    thread_.join();
  }
}

void Worker::drainAll() {
  const std::vector<Abortable*> snapshot(connections_.begin(), connections_.end());
  for (auto* connection : snapshot)
    connection->drain();
}

void Worker::abortAll() {
  // abort() may untrack synchronously: iterate over a copy.
  const std::vector<Abortable*> snapshot(connections_.begin(), connections_.end());
  for (auto* connection : snapshot)
    connection->abort();
}

}  // namespace wasmesh::proxy
