#include <gtest/gtest.h>

#include <string>

#include "wasmesh/metrics/LabelValueLimit.h"

namespace wasmesh::metrics {
namespace {

using Clock = LabelValueLimit::Clock;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(LabelValueLimitTest, KnownValuesPassAndNewOnesBeyondTheLimitOverflow) {
  LabelValueLimit limit(2, minutes(10));
  const auto now = Clock::now();
  EXPECT_TRUE(limit.admit("a.example", now));
  EXPECT_TRUE(limit.admit("b.example", now));
  EXPECT_FALSE(limit.admit("c.example", now));
  // Values admitted before stay themselves; the limit counts distinct values, not uses.
  EXPECT_TRUE(limit.admit("a.example", now));
  EXPECT_TRUE(limit.admit("b.example", now));
  EXPECT_FALSE(limit.admit("d.example", now));
}

TEST(LabelValueLimitTest, ManyDistinctValuesKeepTheSetBounded) {
  LabelValueLimit limit(100, minutes(10));
  std::size_t passed = 0;
  const auto now = Clock::now();
  for (int i = 0; i < 10000; ++i)
    passed += limit.admit("host-" + std::to_string(i) + ".example", now) ? 1 : 0;
  EXPECT_EQ(passed, 100U);
}

TEST(LabelValueLimitTest, ValuesIdleLongerThanTheRetentionMakeRoom) {
  LabelValueLimit limit(2, minutes(10));
  const auto start = Clock::now();
  EXPECT_TRUE(limit.admit("scan-1", start));
  EXPECT_TRUE(limit.admit("kept", start + minutes(5)));
  EXPECT_FALSE(limit.admit("new", start + minutes(9)));
  // scan-1 has been idle for 10 minutes; kept was seen 5 minutes ago.
  EXPECT_TRUE(limit.admit("new", start + minutes(10)));
  EXPECT_FALSE(limit.admit("another", start + minutes(10) + seconds(2)));
  EXPECT_TRUE(limit.admit("kept", start + minutes(10) + seconds(2)));
}

TEST(LabelValueLimitTest, ZeroRetentionNeverForgets) {
  LabelValueLimit limit(1, Clock::duration::zero());
  const auto start = Clock::now();
  EXPECT_TRUE(limit.admit("a", start));
  EXPECT_FALSE(limit.admit("b", start + minutes(600)));
}

}  // namespace
}  // namespace wasmesh::metrics
