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
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    deadlines_.push_back(deadlines_.empty() ? deadline : std::min(deadline, deadlines_.back()));
    firedForInnermost_ = false;
    wake = deadlines_.back() < plannedWake_;
  }
  if (wake)
    wake_.notify_one();
}

bool Watchdog::disarm() {
  bool fired = false;
  bool wake = false;
  {
    const std::lock_guard lock(mutex_);
    fired = firedForInnermost_;
    if (!deadlines_.empty())
      deadlines_.pop_back();
    // The enclosing level has not fired for itself yet. If its deadline comes before the
    // thread would look again (or passed while the inner call ran), wake the thread; otherwise
    // it sleeps on, wakes when it planned to, finds that call gone and plans again.
    firedForInnermost_ = false;
    wake = !deadlines_.empty() && deadlines_.back() < plannedWake_;
  }
  if (wake)
    wake_.notify_one();
  return fired;
}

void Watchdog::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (deadlines_.empty() || firedForInnermost_) {
      plannedWake_ = std::chrono::steady_clock::time_point::max();
      wake_.wait(lock);
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadlines_.back()) {
      firedForInnermost_ = true;
      expire_();
      continue;
    }
    plannedWake_ = deadlines_.back();
    wake_.wait_until(lock, plannedWake_);
  }
}

}  // namespace wasmesh::wasm::v8
