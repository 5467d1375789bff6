#pragma once

#include <cstddef>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace wasmesh::metrics {

// Bounds the values one label may take when a peer chooses them (a ClientHello's SNI):
// series never expire, so without a bound every new value would add series for good, and
// anyone able to connect could grow the proxy's memory and every scrape. The first `limit`
// distinct values pass through; later new ones become kOverflow. Thread-safe; meant for
// connection setup, not per byte.
class LabelValueLimit {
 public:
  static constexpr std::string_view kOverflow = "overflow";

  explicit LabelValueLimit(std::size_t limit) : limit_(limit) {}

  // `value` if it is known or there is room for it, else kOverflow.
  std::string admit(std::string_view value);

 private:
  const std::size_t limit_;
  std::mutex mutex_;
  std::set<std::string, std::less<>> values_;
};

}  // namespace wasmesh::metrics
