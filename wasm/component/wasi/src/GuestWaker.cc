#include "wasmesh/wasm/component/wasi/GuestWaker.h"

#include <algorithm>

namespace wasmesh::wasm::component::wasi {

void GuestWaker::notify() {
  {
    const std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

void GuestWaker::cancel(WasmError error) {
  {
    const std::lock_guard lock(mutex_);
    if (!cancelled_)
      cancelled_ = std::move(error);
    ++generation_;
  }
  changed_.notify_all();
}

void GuestWaker::setDeadline(Clock::time_point deadline, WasmError error) {
  {
    const std::lock_guard lock(mutex_);
    deadline_ = deadline;
    deadlineError_ = std::move(error);
    ++generation_;
  }
  changed_.notify_all();
}

std::uint64_t GuestWaker::generation() const {
  const std::lock_guard lock(mutex_);
  return generation_;
}

WasmResult<void> GuestWaker::checkLocked(Clock::time_point now) const {
  if (cancelled_)
    return *cancelled_;
  if (deadline_ && now >= *deadline_)
    return *deadlineError_;
  return {};
}

WasmResult<void> GuestWaker::check() const {
  const std::lock_guard lock(mutex_);
  return checkLocked(Clock::now());
}

WasmResult<void> GuestWaker::wait(std::uint64_t seen, Clock::time_point until) {
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto now = Clock::now();
    if (auto ok = checkLocked(now); !ok)
      return ok;
    if (generation_ != seen || now >= until)
      return {};
    const auto wake = deadline_ ? std::min(until, *deadline_) : until;
    if (wake == Clock::time_point::max())
      changed_.wait(lock);
    else
      changed_.wait_until(lock, wake);
  }
}

}  // namespace wasmesh::wasm::component::wasi
