#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace wasmesh::wasm::v8 {

// One thread that calls `expire` when an armed deadline passes. arm() before a guest call,
// disarm() after: disarm() returns whether `expire` ran for that call, and once it has
// returned `expire` cannot run for that call any more (both happen under the same mutex).
// Calls nest (a host function calling back into the guest, as proxy-wasm's allocator does):
// each level's deadline is the earlier of its own and the enclosing one, and disarming a
// level restores the enclosing deadline, which fires at once if it has passed meanwhile, so
// a nested call never lifts the outer call's limit.
// The thread is woken only when a deadline comes earlier than the one it sleeps towards (or
// when an enclosing deadline has passed): a stream of short calls costs two uncontended
// mutex operations each, not two wake-ups of another thread (bench/wasm).
class Watchdog {
 public:
  explicit Watchdog(std::function<void()> expire);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  void arm(std::chrono::steady_clock::time_point deadline);
  bool disarm();

 private:
  void run();

  std::function<void()> expire_;
  std::mutex mutex_;
  std::condition_variable wake_;
  // One effective deadline per armed level, innermost last.
  std::vector<std::chrono::steady_clock::time_point> deadlines_;
  bool firedForInnermost_ = false;
  bool stopping_ = false;
  // When the thread will next look (max: not before it is notified).
  std::chrono::steady_clock::time_point plannedWake_ = std::chrono::steady_clock::time_point::max();
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace wasmesh::wasm::v8
