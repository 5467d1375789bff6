#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace wasmesh::wasm::v8 {

// One thread that calls `expire` when an armed deadline passes. arm() before a guest call,
// disarm() after: disarm() returns whether `expire` ran, and once it has returned `expire`
// cannot run for that call any more (both happen under the same mutex).
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
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool fired_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace wasmesh::wasm::v8
