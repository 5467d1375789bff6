#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/DetectingConnector.h"

namespace wasmesh::proxy {
namespace {

using boost::asio::ip::tcp;
using std::chrono::milliseconds;

// The proxy's accepted socket and its upstream socket live on a context of their own
// thread; the test plays the application client and the upstream server with blocking
// sockets.
class DetectingConnectorTest : public ::testing::Test {
 protected:
  const tcp::endpoint loopback_{boost::asio::ip::make_address("127.0.0.1"), 0};

  void SetUp() override {
    tcp::acceptor front(proxyContext_, loopback_);
    client_.connect(front.local_endpoint());
    accepted_ = front.accept();
  }

  void TearDown() override {
    proxyContext_.stop();
    if (thread_.joinable())
      thread_.join();
  }

  struct Run {
    DetectOutcome outcome;
    std::string buffered;
  };

  std::future<Run> start(const tcp::endpoint& target, bool detect,
                         DetectingConnector::Limits limits) {
    auto future = boost::asio::co_spawn(
        proxyContext_,
        [this, target, detect, limits]() -> boost::asio::awaitable<Run> {
          DetectingConnector connector(accepted_, upstream_, limits);
          Run run;
          run.outcome = co_await connector.run(target, detect);
          const auto bytes = connector.bufferedClientBytes();
          run.buffered.assign(bytes.begin(), bytes.end());
          co_return run;
        },
        boost::asio::use_future);
    thread_ = std::thread([this] { proxyContext_.run(); });
    return future;
  }

  static Run wait(std::future<Run>& future) {
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  static constexpr DetectingConnector::Limits kLimits{milliseconds{2000}, milliseconds{2000},
                                                      milliseconds{0}, 8192};

  boost::asio::io_context proxyContext_;
  boost::asio::io_context blockingContext_;
  tcp::socket client_{blockingContext_};
  tcp::socket accepted_{proxyContext_};
  tcp::socket upstream_{proxyContext_};
  std::thread thread_;
};

TEST_F(DetectingConnectorTest, ServerBytesBeforeAnyClientByteDecideServerFirst) {
  tcp::acceptor server(blockingContext_, loopback_);
  auto future = start(server.local_endpoint(), true, kLimits);
  auto serverSide = server.accept();
  boost::asio::write(serverSide, boost::asio::buffer(std::string("INFO {}\r\n")));
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::serverFirst);
  EXPECT_EQ(run.outcome.detection.protocol, DetectedProtocol::opaque);
  EXPECT_FALSE(run.outcome.connectError);
  EXPECT_TRUE(run.buffered.empty());
}

TEST_F(DetectingConnectorTest, ServerClosingFirstAlsoDecides) {
  tcp::acceptor server(blockingContext_, loopback_);
  auto future = start(server.local_endpoint(), true, kLimits);
  server.accept().close();
  EXPECT_EQ(wait(future).outcome.result, DetectResult::serverFirst);
}

TEST_F(DetectingConnectorTest, Http2ServerSettingsFirstWaitsForTheClientPreface) {
  tcp::acceptor server(blockingContext_, loopback_);
  auto future = start(server.local_endpoint(), true, kLimits);
  auto serverSide = server.accept();
  const std::string settings("\0\0\6\4\0\0\0\0\0\0\3\0\0\0\x64", 15);
  boost::asio::write(serverSide, boost::asio::buffer(settings));
  std::this_thread::sleep_for(milliseconds{50});  // the connector sees the frame first
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  boost::asio::write(client_, boost::asio::buffer(preface));
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::http2);
  EXPECT_EQ(run.buffered, preface);
  // The frame was only peeked at: it is still there for the relay.
  std::array<char, 15> pending{};
  EXPECT_EQ(upstream_.read_some(boost::asio::buffer(pending)), settings.size());
}

TEST_F(DetectingConnectorTest, ClientRequestLineIsDetectedAndKeptForReplay) {
  tcp::acceptor server(blockingContext_, loopback_);
  const std::string request = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::asio::write(client_, boost::asio::buffer(request));
  auto future = start(server.local_endpoint(), true, kLimits);
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::http1);
  EXPECT_EQ(run.outcome.detection.protocol, DetectedProtocol::http1);
  EXPECT_EQ(run.buffered, request);
  EXPECT_TRUE(upstream_.is_open());
}

TEST_F(DetectingConnectorTest, ClientHalfCloseBeforeSpeakingIsNotHttp) {
  tcp::acceptor server(blockingContext_, loopback_);
  client_.shutdown(tcp::socket::shutdown_send);
  auto future = start(server.local_endpoint(), true, kLimits);
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::notHttp);
  EXPECT_TRUE(run.buffered.empty());
}

TEST_F(DetectingConnectorTest, SilenceOnBothSidesEndsInReadTimeout) {
  tcp::acceptor server(blockingContext_, loopback_);
  auto future = start(server.local_endpoint(), true,
                      {milliseconds{2000}, milliseconds{100}, milliseconds{0}, 8192});
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::readTimeout);
  EXPECT_EQ(run.outcome.detection.protocol, DetectedProtocol::opaque);
}

TEST_F(DetectingConnectorTest, PartialBytesAtTheTimeoutAreKept) {
  tcp::acceptor server(blockingContext_, loopback_);
  boost::asio::write(client_, boost::asio::buffer(std::string("GET /slow")));
  auto future = start(server.local_endpoint(), true,
                      {milliseconds{2000}, milliseconds{100}, milliseconds{0}, 8192});
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::readTimeout);
  EXPECT_EQ(run.buffered, "GET /slow");
}

TEST_F(DetectingConnectorTest, ABareWordIsDecidedOnTheReadThatBroughtIt) {
  // A client-first line protocol waiting for its answer must not wait for the timeout.
  tcp::acceptor server(blockingContext_, loopback_);
  boost::asio::write(client_, boost::asio::buffer(std::string("hello")));
  auto future = start(server.local_endpoint(), true, kLimits);
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::notHttp);
  EXPECT_EQ(run.buffered, "hello");
}

TEST_F(DetectingConnectorTest, TheIdleTimeoutEndsASilentDetection) {
  tcp::acceptor server(blockingContext_, loopback_);
  auto future = start(server.local_endpoint(), true,
                      {milliseconds{2000}, milliseconds{5000}, milliseconds{100}, 8192});
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_EQ(run.outcome.result, DetectResult::readTimeout);
  EXPECT_TRUE(run.outcome.idleExpired);
}

TEST_F(DetectingConnectorTest, RefusedUpstreamIsReportedWithoutADecision) {
  tcp::socket bound(blockingContext_);
  bound.open(tcp::v4());
  bound.bind(loopback_);  // bound, never listening: connections to it are refused
  auto future = start(bound.local_endpoint(), true, kLimits);
  const auto run = wait(future);
  EXPECT_FALSE(run.outcome.result.has_value());
  EXPECT_EQ(run.outcome.connectError, boost::system::errc::connection_refused);
}

TEST_F(DetectingConnectorTest, UnansweredConnectTimesOutWhileTheClientIsSilent) {
  // A listener whose accept queue is full drops further SYNs: the handshake never ends.
  tcp::acceptor server(blockingContext_);
  server.open(tcp::v4());
  server.bind(loopback_);
  server.listen(0);
  std::vector<tcp::socket> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.emplace_back(blockingContext_);
    fillers.back().open(tcp::v4());
    fillers.back().non_blocking(true);
    // Asio's connect() would wait for the handshake even on a non-blocking socket.
    const auto target = server.local_endpoint();
    [[maybe_unused]] const int started = ::connect(fillers.back().native_handle(), target.data(),
                                                   static_cast<socklen_t>(target.size()));
  }
  auto future = start(server.local_endpoint(), true,
                      {milliseconds{150}, milliseconds{5000}, milliseconds{0}, 8192});
  const auto run = wait(future);
  EXPECT_FALSE(run.outcome.result.has_value());
  EXPECT_EQ(run.outcome.connectError, errc::connect_timeout);
}

TEST_F(DetectingConnectorTest, WithoutDetectionItOnlyConnects) {
  tcp::acceptor server(blockingContext_, loopback_);
  boost::asio::write(client_, boost::asio::buffer(std::string("GET / HTTP/1.1\r\n")));
  auto future = start(server.local_endpoint(), false, kLimits);
  auto serverSide = server.accept();
  const auto run = wait(future);
  EXPECT_FALSE(run.outcome.result.has_value());
  EXPECT_FALSE(run.outcome.connectError);
  EXPECT_TRUE(run.buffered.empty());  // the bytes are still in the socket, for the relay
}

}  // namespace
}  // namespace wasmesh::proxy
