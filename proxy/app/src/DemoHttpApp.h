#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <thread>

namespace wasmesh::app {

// The demo's HTTP application, on its own thread: HTTP/1.1 with keep-alive; `GET /fail`
// answers 500 so that the success rate the proxies report has something to show, any
// other path 200 with a short body.
class DemoHttpApp {
 public:
  explicit DemoHttpApp(const boost::asio::ip::tcp::endpoint& endpoint);
  DemoHttpApp(const DemoHttpApp&) = delete;
  DemoHttpApp& operator=(const DemoHttpApp&) = delete;
  ~DemoHttpApp();

 private:
  boost::asio::io_context context_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace wasmesh::app
