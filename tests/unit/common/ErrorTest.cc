#include <gtest/gtest.h>

#include "wasmesh/common/Error.h"

namespace wasmesh {
namespace {

TEST(ErrorTest, ErrcConvertsToErrorCodeInWasmeshCategory) {
  const boost::system::error_code ec = errc::connect_timeout;
  EXPECT_EQ(ec.category().name(), std::string("wasmesh"));
  EXPECT_EQ(ec.message(), "connect timed out");
  EXPECT_TRUE(ec == errc::connect_timeout);
  EXPECT_FALSE(ec == errc::idle_timeout);
}

TEST(ErrorTest, ResultCarriesErrc) {
  const Result<int> failed = errc::invalid_port;
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error(), errc::invalid_port);
}

}  // namespace
}  // namespace wasmesh
