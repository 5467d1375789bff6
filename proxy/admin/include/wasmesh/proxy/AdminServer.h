#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <optional>

#include "wasmesh/common/Error.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::proxy {

// /live, /ready, /metrics and /shutdown, served on the main thread. Linkerd's semantics:
// /shutdown is POST-only and loopback-only so neither the application nor the network can
// stop the proxy; anything else is 404 with an empty body.
class AdminServer {
 public:
  struct Hooks {
    std::function<bool()> isReady;
    std::function<void()> shutdown;
  };

  AdminServer(boost::asio::io_context& context, const metrics::Registry& registry, Hooks hooks);

  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void close();

 private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serveSession(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& context_;
  const metrics::Registry& registry_;
  Hooks hooks_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
};

}  // namespace wasmesh::proxy
