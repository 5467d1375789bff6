#include "wasmesh/metrics/LabelValueLimit.h"

namespace wasmesh::metrics {
namespace {

// A full set is searched for idle values at most this often: a flood of new values must not
// cost a walk of the whole set per connection.
constexpr auto kForgetInterval = std::chrono::seconds(1);

}  // namespace

bool LabelValueLimit::admit(std::string_view value, Clock::time_point now) {
  const std::lock_guard lock(mutex_);
  if (const auto found = lastSeen_.find(value); found != lastSeen_.end()) {
    found->second = now;
    return true;
  }
  if (lastSeen_.size() >= limit_)
    forgetIdle(now);
  if (lastSeen_.size() >= limit_)
    return false;
  lastSeen_.emplace(value, now);
  return true;
}

void LabelValueLimit::forgetIdle(Clock::time_point now) {
  if (retainIdle_.count() <= 0 || now - lastForget_ < kForgetInterval)
    return;
  lastForget_ = now;
  std::erase_if(lastSeen_, [&](const auto& entry) { return now - entry.second >= retainIdle_; });
}

}  // namespace wasmesh::metrics
