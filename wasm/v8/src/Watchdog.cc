#include "Watchdog.h"

#include <algorithm>

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
    deadlines_.push_back(deadlines_.empty() ? deadline : std::min(deadline, deadlines_.back()));
    firedForInnermost_ = false;
  }
  wake_.notify_one();
}

bool Watchdog::disarm() {
  bool fired = false;
  {
    const std::lock_guard lock(mutex_);
    fired = firedForInnermost_;
    if (!deadlines_.empty())
      deadlines_.pop_back();
    // The enclosing level has not fired for itself yet; if its deadline passed while the
    // inner call ran, run() fires it now.
    firedForInnermost_ = false;
  }
  wake_.notify_one();
  return fired;
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (deadlines_.empty() || firedForInnermost_) {
      wake_.wait(lock);
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadlines_.back()) {
      firedForInnermost_ = true;
      expire_();
      continue;
    }
    wake_.wait_until(lock, deadlines_.back());
  }
}

}  // namespace wasmesh::wasm::v8
