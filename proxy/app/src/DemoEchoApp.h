#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

namespace wasmesh::app {

// The demo's application: a TCP echo server on its own thread.
class DemoEchoApp {
 public:
  explicit DemoEchoApp(const boost::asio::ip::tcp::endpoint& endpoint);
  DemoEchoApp(const DemoEchoApp&) = delete;
  DemoEchoApp& operator=(const DemoEchoApp&) = delete;
  ~DemoEchoApp();

 private:
  boost::asio::io_context context_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace wasmesh::app
