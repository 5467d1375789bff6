#include <gtest/gtest.h>

#include <string>

#include "wasmesh/metrics/LabelValueLimit.h"

namespace wasmesh::metrics {
namespace {

TEST(LabelValueLimitTest, KnownValuesPassAndNewOnesBeyondTheLimitOverflow) {
  LabelValueLimit limit(2);
  EXPECT_EQ(limit.admit("a.example"), "a.example");
  EXPECT_EQ(limit.admit("b.example"), "b.example");
  EXPECT_EQ(limit.admit("c.example"), "overflow");
  // Values admitted before stay themselves; the limit counts distinct values, not uses.
  EXPECT_EQ(limit.admit("a.example"), "a.example");
  EXPECT_EQ(limit.admit("b.example"), "b.example");
  EXPECT_EQ(limit.admit("d.example"), "overflow");
}

TEST(LabelValueLimitTest, ManyDistinctValuesKeepTheSetBounded) {
  LabelValueLimit limit(100);
  std::size_t passed = 0;
  for (int i = 0; i < 10000; ++i)
    passed += limit.admit("host-" + std::to_string(i) + ".example") != "overflow" ? 1 : 0;
  EXPECT_EQ(passed, 100U);
}

}  // namespace
}  // namespace wasmesh::metrics
