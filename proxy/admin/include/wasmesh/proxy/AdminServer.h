#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <optional>

#include "wasmesh/common/Error.h"
#include "wasmesh/common/LogThrottle.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::proxy {

// /live, /ready, /metrics and /shutdown, served on the main thread. Linkerd's semantics:
// /shutdown exists only when enabled (off by default: the application shares the pod's
// loopback), and then is POST-only and loopback-only; anything else is 404 with an empty
// body. Every connection, request and scrape is bounded: the admin port is reachable from
// the network in a pod, and the main thread it runs on also serves /ready.
class AdminServer {
 public:
  struct Hooks {
    std::function<bool()> isReady;
    // Empty: /shutdown is disabled and answers 404 like any unknown path.
    std::function<void()> shutdown;
  };
  // Connections served at once. At the cap the connection idle longest (waiting for a
  // request) is closed to make room, so that idle connections from the network cannot lock
  // the kubelet's probes out; only when every one is busy is the new one reset.
  static constexpr std::size_t kMaxConnections = 64;
  // /metrics responses being written at once; more get 503 (Prometheus retries at the next
  // interval). Each holds a rendered exposition, so this bounds a scrape's memory.
  static constexpr std::size_t kMaxConcurrentScrapes = 4;

  AdminServer(boost::asio::io_context& context, const metrics::Registry& registry, Hooks hooks);

  Result<boost::asio::ip::tcp::endpoint> listen(const boost::asio::ip::tcp::endpoint& endpoint);
  void close();

 private:
  struct Session {
    boost::asio::ip::tcp::socket* socket = nullptr;
    // Waiting for a request (not reading one or writing a response) since `idleSince`.
    bool idle = true;
    std::chrono::steady_clock::time_point idleSince;
  };
  using Sessions = std::list<Session>;
  struct Reply;

  boost::asio::awaitable<void> acceptLoop();
  // Closes the session idle longest; false when none is idle.
  bool evictIdleSession();
  boost::asio::awaitable<void> serveSession(boost::asio::ip::tcp::socket socket,
                                            Sessions::iterator session);
  Reply route(const boost::beast::http::request<boost::beast::http::string_body>& request,
              const boost::asio::ip::address& peer);

  boost::asio::io_context& context_;
  const metrics::Registry& registry_;
  Hooks hooks_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  Sessions sessions_;
  std::size_t scrapesInFlight_ = 0;
  // Accept failures and refusals a peer can cause at will.
  LogThrottle log_{5, std::chrono::seconds(10)};
};

}  // namespace wasmesh::proxy
