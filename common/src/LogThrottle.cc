#include "wasmesh/common/LogThrottle.h"

namespace wasmesh {

LogThrottle::Decision LogThrottle::admit(std::string_view key, Clock::time_point now) {
  auto found = keys_.find(key);
  if (found == keys_.end())
    found = keys_.emplace(std::string(key), KeyWindow{now, 0, 0}).first;
  KeyWindow& entry = found->second;
  if (now - entry.start >= window_) {
    entry.start = now;
    entry.lines = 0;
  }
  if (entry.lines >= burst_) {
    ++entry.suppressed;
    return {};
  }
  ++entry.lines;
  const Decision decision{true, entry.suppressed};
  entry.suppressed = 0;
  return decision;
}

}  // namespace wasmesh
