#include <gtest/gtest.h>

#include "wasmesh/proxy/DescriptorBudget.h"

namespace wasmesh::proxy {
namespace {

TEST(DescriptorBudgetTest, DerivedLimitsLeaveAReserveAndSplitTheRest) {
  // A Kubernetes container's usual limit.
  const auto budget = DescriptorBudget::compute(1'048'576, 0, 0);
  EXPECT_EQ(budget.reserve, 104'857U);
  EXPECT_EQ(budget.inboundConnections, 235'929U);
  EXPECT_EQ(budget.outboundConnections, 235'929U);
  EXPECT_TRUE(budget.fits());
}

TEST(DescriptorBudgetTest, ASmallLimitKeepsTheMinimumReserve) {
  const auto budget = DescriptorBudget::compute(1024, 0, 0);
  EXPECT_EQ(budget.reserve, DescriptorBudget::kMinReserve);
  EXPECT_EQ(budget.inboundConnections, (1024U - 128U) / 4U);
  EXPECT_TRUE(budget.fits());
}

TEST(DescriptorBudgetTest, ALimitBelowTheReserveStillServesOneEach) {
  const auto budget = DescriptorBudget::compute(40, 0, 0);
  EXPECT_EQ(budget.inboundConnections, 1U);
  EXPECT_EQ(budget.outboundConnections, 1U);
  EXPECT_FALSE(budget.fits());
}

TEST(DescriptorBudgetTest, ExplicitLimitsAreKeptAndJudged) {
  const auto budget = DescriptorBudget::compute(1024, 5, 1000);
  EXPECT_EQ(budget.inboundConnections, 5U);
  EXPECT_EQ(budget.outboundConnections, 1000U);
  EXPECT_FALSE(budget.fits());  // 2010 descriptors beside a reserve of 128
  EXPECT_TRUE(DescriptorBudget::compute(1024, 5, 100).fits());
}

}  // namespace
}  // namespace wasmesh::proxy
