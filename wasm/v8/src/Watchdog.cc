#include "Watchdog.h"

namespace wasmesh::wasm::v8 {

Watchdog::Watchdog(std::function<void()> expire)
    : expire_(std::move(expire)), thread_([this] { run(); }) {}

Watchdog::~Watchdog() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Watchdog::arm(std::chrono::steady_clock::time_point deadline) {
  {
    const std::lock_guard lock(mutex_);
    deadline_ = deadline;
    fired_ = false;
  }
  wake_.notify_one();
}

bool Watchdog::disarm() {
  const std::lock_guard lock(mutex_);
  deadline_.reset();
  return fired_;
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!deadline_) {
      wake_.wait(lock);
      continue;
    }
    if (std::chrono::steady_clock::now() >= *deadline_) {
      deadline_.reset();
      fired_ = true;
      expire_();
      continue;
    }
    wake_.wait_until(lock, *deadline_);
  }
}

}  // namespace wasmesh::wasm::v8
