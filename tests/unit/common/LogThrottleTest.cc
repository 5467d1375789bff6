#include <gtest/gtest.h>

#include "wasmesh/common/LogThrottle.h"

namespace wasmesh {
namespace {

using std::chrono_literals::operator""s;

TEST(LogThrottleTest, LetsABurstThroughPerKeyAndWindowAndReportsWhatItHeldBack) {
  LogThrottle throttle(3, 10s);
  const auto start = LogThrottle::Clock::time_point{} + 100s;
  for (int i = 0; i < 3; ++i) {
    const auto decision = throttle.admit("tls_required", start);
    EXPECT_TRUE(decision.log);
    EXPECT_EQ(decision.suppressed, 0U);
  }
  for (int i = 0; i < 7; ++i)
    EXPECT_FALSE(throttle.admit("tls_required", start + 9s).log);
  // Another key has its own burst.
  EXPECT_TRUE(throttle.admit("unknown_server_name", start + 9s).log);

  // A new window: the first line says how many were held back, the next ones do not.
  const auto first = throttle.admit("tls_required", start + 10s);
  EXPECT_TRUE(first.log);
  EXPECT_EQ(first.suppressed, 7U);
  const auto second = throttle.admit("tls_required", start + 10s);
  EXPECT_TRUE(second.log);
  EXPECT_EQ(second.suppressed, 0U);
}

TEST(LogThrottleTest, AZeroBurstHoldsEverythingBack) {
  LogThrottle throttle(0, 1s);
  const auto now = LogThrottle::Clock::now();
  EXPECT_FALSE(throttle.admit("x", now).log);
  EXPECT_FALSE(throttle.admit("x", now + 5s).log);
}

}  // namespace
}  // namespace wasmesh
