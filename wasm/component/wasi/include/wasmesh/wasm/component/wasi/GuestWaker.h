#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>

#include "wasmesh/wasm/WasmError.h"

namespace wasmesh::wasm::component::wasi {

// Where a guest blocked in a host call (poll, pollable.block, a blocking read, write or flush)
// waits, on its own thread. Whatever the guest may wait for (a body's bytes arriving from the
// network, room in a response body, a response to an outgoing request) calls notify() from
// any thread when it changes; the guest looks again. The embedder ends every wait early with
// cancel() (a client that went away) or a deadline (a per-request timeout): the blocked call
// then fails with that error, which fails the instance. The engines' CPU limits stop guest
// code only; this stops a guest that waits in the host.
class GuestWaker {
 public:
  using Clock = std::chrono::steady_clock;

  // Any thread: something a waiter may be waiting for changed.
  void notify();
  // Any thread: every wait from now on fails with `error` (the first cancel wins).
  void cancel(WasmError error);
  // Waits past `deadline` fail with `error`. Set before the guest runs.
  void setDeadline(Clock::time_point deadline, WasmError error);

  // A count of notify() calls: read it before looking at what to wait for, then pass it to
  // wait(), so a change between the look and the wait is not lost.
  std::uint64_t generation() const;
  // Waits until a notify() after `seen`, or `until`. Fails when cancelled or past the deadline.
  WasmResult<void> wait(std::uint64_t seen, Clock::time_point until = Clock::time_point::max());
  // The cancellation or the deadline's error, if either applies now.
  WasmResult<void> check() const;

 private:
  WasmResult<void> checkLocked(Clock::time_point now) const;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t generation_ = 0;
  std::optional<WasmError> cancelled_;
  std::optional<Clock::time_point> deadline_;
  std::optional<WasmError> deadlineError_;
};

}  // namespace wasmesh::wasm::component::wasi
