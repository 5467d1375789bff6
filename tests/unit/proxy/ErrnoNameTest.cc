#include <gtest/gtest.h>

#include <boost/asio/error.hpp>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/ErrnoName.h"

namespace wasmesh::proxy {
namespace {

TEST(ErrnoNameTest, CleanClosesHaveNoErrno) {
  EXPECT_EQ(errnoName({}), "");
  EXPECT_EQ(errnoName(boost::asio::error::eof), "");
}

TEST(ErrnoNameTest, OsErrorsUseTheirSymbolicName) {
  EXPECT_EQ(errnoName(boost::asio::error::connection_reset), "ECONNRESET");
  EXPECT_EQ(errnoName(boost::asio::error::connection_refused), "ECONNREFUSED");
  EXPECT_EQ(errnoName(boost::asio::error::broken_pipe), "EPIPE");
}

TEST(ErrnoNameTest, ProxyTimeoutsAreEtimedout) {
  EXPECT_EQ(errnoName(errc::connect_timeout), "ETIMEDOUT");
  EXPECT_EQ(errnoName(errc::idle_timeout), "ETIMEDOUT");
}

}  // namespace
}  // namespace wasmesh::proxy
