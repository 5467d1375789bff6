#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/TcpRelay.h"

namespace wasmesh::proxy {
namespace {

using boost::asio::ip::tcp;

// A client and a server connected through a TcpRelay running on its own thread. The test
// talks to both ends with blocking sockets.
class TcpRelayTest : public ::testing::Test {
 protected:
  void start(std::chrono::milliseconds idleTimeout = std::chrono::minutes(1)) {
    const tcp::endpoint loopback{boost::asio::ip::make_address("127.0.0.1"), 0};
    tcp::acceptor front(relayContext_, loopback);
    tcp::acceptor back(relayContext_, loopback);
    client_.connect(front.local_endpoint());
    proxyClient_ = front.accept();
    proxyServer_.connect(back.local_endpoint());
    server_ = back.accept();
    outcome_ = boost::asio::co_spawn(
        relayContext_,
        [this, idleTimeout]() -> boost::asio::awaitable<RelayOutcome> {
          PlainStream client(proxyClient_);
          PlainStream server(proxyServer_);
          TcpRelay relay(client, server, buffers_, clientMetrics_, serverMetrics_);
          co_return co_await relay.run(idleTimeout);
        },
        boost::asio::use_future);
    thread_ = std::thread([this] { relayContext_.run(); });
  }

  void TearDown() override {
    relayContext_.stop();
    if (thread_.joinable())
      thread_.join();
  }

  RelayOutcome waitOutcome() {
    EXPECT_EQ(outcome_.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return outcome_.get();
  }

  std::string metricsText() { return registry_.render(metrics::Format::PrometheusText004); }

  boost::asio::io_context relayContext_;
  boost::asio::io_context blockingContext_;
  tcp::socket client_{blockingContext_};
  tcp::socket server_{blockingContext_};
  tcp::socket proxyClient_{relayContext_};
  tcp::socket proxyServer_{relayContext_};
  metrics::Registry registry_{1};
  TcpMetrics tcpMetrics_{registry_};
  TcpSideMetrics clientMetrics_ = tcpMetrics_.side({Direction::outbound,
                                                    Peer::src,
                                                    {boost::asio::ip::make_address("10.0.0.1"), 80},
                                                    "loopback",
                                                    std::nullopt,
                                                    std::nullopt},
                                                   0);
  TcpSideMetrics serverMetrics_ = tcpMetrics_.side({Direction::outbound,
                                                    Peer::dst,
                                                    {boost::asio::ip::make_address("10.0.0.1"), 80},
                                                    "not_provided_by_service_discovery",
                                                    std::nullopt,
                                                    std::nullopt},
                                                   0);
  BufferPool buffers_{4096, 4};
  std::future<RelayOutcome> outcome_;
  std::thread thread_;
};

TEST_F(TcpRelayTest, RelaysBothWaysAndPropagatesHalfClose) {
  start();
  const std::string request(100'000, 'q');  // larger than a buffer: several reads
  boost::asio::write(client_, boost::asio::buffer(request));
  client_.shutdown(tcp::socket::shutdown_send);

  std::string received;
  boost::system::error_code ec;
  boost::asio::read(server_, boost::asio::dynamic_buffer(received), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << "the client's FIN must reach the server";
  EXPECT_EQ(received, request);

  // After the client's half-close the reply still flows back.
  const std::string reply = "reply after half-close";
  boost::asio::write(server_, boost::asio::buffer(reply));
  server_.shutdown(tcp::socket::shutdown_send);
  std::string replied;
  boost::asio::read(client_, boost::asio::dynamic_buffer(replied), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
  EXPECT_EQ(replied, reply);

  const auto outcome = waitOutcome();
  EXPECT_FALSE(outcome.clientError);
  EXPECT_FALSE(outcome.serverError);
  const auto text = metricsText();
  EXPECT_NE(
      text.find("tcp_read_bytes_total{direction=\"outbound\",peer=\"src\",target_addr="
                "\"10.0.0.1:80\",target_ip=\"10.0.0.1\",target_port=\"80\",tls=\"no_identity\","
                "no_tls_reason=\"loopback\"} 100000"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("peer=\"dst\",target_addr=\"10.0.0.1:80\",target_ip=\"10.0.0.1\","
                      "target_port=\"80\",tls=\"no_identity\",no_tls_reason="
                      "\"not_provided_by_service_discovery\"} 22"),
            std::string::npos)
      << text;
}

TEST_F(TcpRelayTest, ServerResetIsPassedToTheClient) {
  start();
  boost::asio::write(client_, boost::asio::buffer(std::string("hello")));
  std::array<char, 5> got{};
  boost::asio::read(server_, boost::asio::buffer(got));
  server_.set_option(boost::asio::socket_base::linger(true, 0));
  server_.close();

  const auto outcome = waitOutcome();
  EXPECT_EQ(outcome.serverError, boost::asio::error::connection_reset);
  EXPECT_FALSE(outcome.clientError);
  boost::system::error_code ec;
  std::array<char, 16> buffer{};
  client_.read_some(boost::asio::buffer(buffer), ec);
  EXPECT_EQ(ec, boost::asio::error::connection_reset) << ec.message();
}

TEST_F(TcpRelayTest, SilenceLongerThanTheIdleTimeoutEndsTheRelay) {
  start(std::chrono::milliseconds(100));
  const auto outcome = waitOutcome();
  EXPECT_EQ(outcome.clientError, errc::idle_timeout);
  EXPECT_EQ(outcome.serverError, errc::idle_timeout);
}

TEST_F(TcpRelayTest, IdleConnectionsHoldNoBuffer) {
  start();
  boost::asio::write(client_, boost::asio::buffer(std::string("x")));
  std::array<char, 1> got{};
  boost::asio::read(server_, boost::asio::buffer(got));
  // Both directions are now waiting for readability with their buffers returned.
  std::promise<std::size_t> idle;
  boost::asio::post(relayContext_, [&] { idle.set_value(buffers_.idleCount()); });
  EXPECT_GE(idle.get_future().get(), 1U);
  client_.close();
  server_.close();
  waitOutcome();
}

}  // namespace
}  // namespace wasmesh::proxy
