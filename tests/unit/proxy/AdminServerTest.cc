// The admin server under hostile clients: scrapes that never read, idle connections that
// would lock the probes out, malformed requests.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "wasmesh/proxy/AdminServer.h"

namespace wasmesh::proxy {
namespace {

using boost::asio::ip::tcp;

// An exposition far larger than a loopback socket's buffers, so a client that does not read
// keeps the server's write pending.
class BulkyCollector final : public metrics::Collector {
 public:
  void collect(metrics::Sink& sink) override {
    sink.family("bulky", "h", metrics::MetricType::Gauge);
    for (int i = 0; i < 200'000; ++i)
      sink.sample({{"series", "value-" + std::to_string(i) + std::string(60, 'x')}}, i);
  }
};

class AdminServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    registry_.addCollector(std::make_shared<BulkyCollector>());
    auto bound = admin_.listen(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    ASSERT_TRUE(bound) << bound.error().message();
    endpoint_ = *bound;
    thread_ = std::thread([this] { context_.run(); });
  }
  void TearDown() override {
    context_.stop();
    thread_.join();
  }

  std::unique_ptr<tcp::socket> connect() {
    auto socket = std::make_unique<tcp::socket>(client_);
    socket->connect(endpoint_);
    return socket;
  }
  static void send(tcp::socket& socket, const std::string& text) {
    boost::asio::write(socket, boost::asio::buffer(text));
  }
  // The status line, e.g. "HTTP/1.1 503 Service Unavailable".
  static std::string statusLine(tcp::socket& socket) {
    std::string received;
    boost::system::error_code error;
    boost::asio::read_until(socket, boost::asio::dynamic_buffer(received), "\r\n", error);
    return received.substr(0, received.find("\r\n"));
  }
  std::string request(const std::string& text) {
    auto socket = connect();
    send(*socket, text);
    return statusLine(*socket);
  }

  boost::asio::io_context context_;
  boost::asio::io_context client_;
  metrics::Registry registry_{1};
  AdminServer admin_{context_, registry_, {[] { return true; }, {}}};
  tcp::endpoint endpoint_;
  std::thread thread_;
};

TEST_F(AdminServerTest, ScrapesThatNeverReadAreBounded) {
  std::vector<std::unique_ptr<tcp::socket>> stalled;
  std::string answer;
  // The first kMaxConcurrentScrapes stall in their writes; later ones are turned away.
  for (std::size_t i = 0; i < AdminServer::kMaxConcurrentScrapes + 4 && answer.empty(); ++i) {
    auto socket = connect();
    send(*socket, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    if (i < AdminServer::kMaxConcurrentScrapes) {
      stalled.push_back(std::move(socket));
      continue;
    }
    const auto line = statusLine(*socket);
    if (line.find(" 503 ") != std::string::npos)
      answer = line;
    else
      stalled.push_back(std::move(socket));  // raced ahead of a stalled one; it stalls too
  }
  EXPECT_EQ(answer, "HTTP/1.1 503 Service Unavailable");
  // Probes are unaffected.
  EXPECT_EQ(request("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 200 OK");
}

TEST_F(AdminServerTest, IdleConnectionsCannotLockTheProbesOut) {
  std::vector<std::unique_ptr<tcp::socket>> idle;
  for (std::size_t i = 0; i < AdminServer::kMaxConnections + 10; ++i)
    idle.push_back(connect());
  EXPECT_EQ(request("GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 200 OK");
  EXPECT_EQ(request("GET /live HTTP/1.1\r\nHost: x\r\n\r\n"), "HTTP/1.1 200 OK");
}

TEST_F(AdminServerTest, MalformedRequestsGetTheirStatusThenClose) {
  EXPECT_EQ(request("GET /ready HTTP/1.1\r\nBad Header: x\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(request("GET /ready HTTP/1.1\r\nHost : x\r\n\r\n"), "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(request("GET /ready HTTP/1.1\r\nX: " + std::string(10'000, 'a') + "\r\n\r\n"),
            "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_EQ(request("POST /ready HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n"),
            "HTTP/1.1 413 Payload Too Large");
  EXPECT_EQ(request("GET /ready HTTP/2.0\r\nHost: x\r\n\r\n"),
            "HTTP/1.1 505 HTTP Version Not Supported");
  EXPECT_EQ(request("GET /ready HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
            "HTTP/1.1 400 Bad Request");
}

TEST_F(AdminServerTest, ShutdownIsNotFoundWhenDisabled) {
  EXPECT_EQ(request("POST /shutdown HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
            "HTTP/1.1 404 Not Found");
}

}  // namespace
}  // namespace wasmesh::proxy
