#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace wasmesh::metrics {

// Bounds the values a peer chooses for some labels (a ClientHello's SNI, the port it
// connected to): without a bound every new value would add series, and anyone able to
// connect could grow the proxy's memory and every scrape. The first `limit` distinct values
// pass through; later new ones become kOverflow. A value not seen for `retainIdle` is
// forgotten, so that a port scan long past does not fold new, legitimate values for good
// (zero: never forgotten). Thread-safe; meant for connection setup, not per byte.
//
// Callers fold every peer-chosen label of a series together through one key: bounding each
// label alone leaves their combinations unbounded.
class LabelValueLimit {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::string_view kOverflow = "overflow";

  LabelValueLimit(std::size_t limit, Clock::duration retainIdle)
      : limit_(limit), retainIdle_(retainIdle) {}

  // Whether `value` is known or there is room for it (then it is remembered as seen now).
  bool admit(std::string_view value, Clock::time_point now = Clock::now());

 private:
  void forgetIdle(Clock::time_point now);

  const std::size_t limit_;
  const Clock::duration retainIdle_;
  std::mutex mutex_;
  std::map<std::string, Clock::time_point, std::less<>> lastSeen_;
  Clock::time_point lastForget_{};
};

}  // namespace wasmesh::metrics
