// The upstream pool's per-upstream connection bound: the request past it is refused at once
// as `overloaded` (a 503 for the client) instead of taking another descriptor, and other
// upstreams are not affected.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>

#include "wasmesh/proxy/http/UpstreamPool.h"

namespace wasmesh::proxy::http {
namespace {

using Outcome = boost::system::result<std::shared_ptr<UpstreamConnection>, ConnectFailure>;

UpstreamKey keyFor(unsigned short port, Version protocol = Version::http11) {
  return {{boost::asio::ip::make_address("127.0.0.1"), port}, protocol, false, 0};
}

// Connections that never finish connecting: each holds its place in the bound.
Connector hangingConnector(int& attempts) {
  return [&attempts](const UpstreamKey&)
             -> boost::asio::awaitable<boost::system::result<ConnectedStream, ConnectFailure>> {
    ++attempts;
    boost::asio::steady_timer never(co_await boost::asio::this_coro::executor,
                                    std::chrono::hours(1));
    co_await never.async_wait(boost::asio::use_awaitable);
    co_return ConnectFailure{make_error_code(errc::http_upstream_unavailable), "connect_failed",
                             "unreachable in this test"};
  };
}

class UpstreamPoolBound : public ::testing::Test {
 protected:
  void acquire(const UpstreamKey& key, std::optional<Outcome>& outcome) {
    boost::asio::co_spawn(
        context_,
        [&, key]() -> boost::asio::awaitable<void> { outcome = co_await pool_.acquire(key); },
        boost::asio::detached);
  }

  boost::asio::io_context context_;
  HttpSettings settings_;
  int attempts_ = 0;
  UpstreamPool pool_{context_.get_executor(), settings_, hangingConnector(attempts_), nullptr, 2};
};

TEST_F(UpstreamPoolBound, TheRequestPastTheBoundIsRefusedAsOverloaded) {
  std::optional<Outcome> first, second, third;
  acquire(keyFor(8080), first);
  acquire(keyFor(8080), second);
  acquire(keyFor(8080), third);
  context_.run_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(first.has_value()) << "still connecting";
  EXPECT_FALSE(second.has_value()) << "still connecting";
  ASSERT_TRUE(third.has_value()) << "refused at once, not queued behind the others";
  ASSERT_FALSE(third->has_value());
  EXPECT_EQ(third->error().label, "overloaded");
  EXPECT_NE(third->error().detail.find("2 connections"), std::string::npos);
  EXPECT_EQ(attempts_, 2) << "no third connection was tried";
}

TEST_F(UpstreamPoolBound, EachUpstreamHasItsOwnBound) {
  std::optional<Outcome> a1, a2, b1, b2;
  acquire(keyFor(8080), a1);
  acquire(keyFor(8080), a2);
  acquire(keyFor(9090), b1);
  acquire(keyFor(9090, Version::http2), b2);
  context_.run_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(b1.has_value()) << "another port is another upstream";
  EXPECT_FALSE(b2.has_value()) << "another protocol is another pool entry";
  EXPECT_EQ(attempts_, 4);
}

}  // namespace
}  // namespace wasmesh::proxy::http
