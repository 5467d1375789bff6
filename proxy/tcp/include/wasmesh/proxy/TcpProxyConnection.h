#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/BufferPool.h"
#include "wasmesh/proxy/Config.h"
#include "wasmesh/proxy/DetectMetrics.h"
#include "wasmesh/proxy/ProtocolDetector.h"
#include "wasmesh/proxy/TcpMetrics.h"
#include "wasmesh/proxy/Worker.h"

namespace wasmesh::proxy {

// What a listener is for: transparent (original destination from iptables) or a fixed
// route target.
struct ListenerRole {
  Direction direction = Direction::outbound;
  std::optional<boost::asio::ip::tcp::endpoint> fixedTarget;
  // The direction's timeouts and port classes. Never null: it points into the runtime's
  // Config, which outlives every connection, so copying a role per connection is cheap.
  const TrafficConfig* traffic = nullptr;
};

// Caps the connections a proxy serves at once, across workers.
class ConnectionLimiter {
 public:
  explicit ConnectionLimiter(std::uint32_t limit) : limit_(limit) {}
  bool tryAcquire() noexcept;
  void release() noexcept { active_.fetch_sub(1, std::memory_order_relaxed); }
  std::uint32_t active() const noexcept { return active_.load(std::memory_order_relaxed); }

 private:
  std::uint32_t limit_;
  std::atomic<std::uint32_t> active_{0};
};

// Everything a worker's connections share. Owned by the runtime, one per worker.
struct WorkerServices {
  Worker& worker;
  BufferPool& buffers;
  TcpMetrics& metrics;
  DetectMetrics& detectMetrics;
  ConnectionLimiter& limiter;
};

// One accepted TCP connection: finds where it should go, detects the client's protocol
// while connecting upstream (unless the port's class makes that unnecessary), replays what
// detection read, relays, and accounts for both sides in the tcp_* metrics.
class TcpProxyConnection final : public Abortable {
 public:
  TcpProxyConnection(boost::asio::ip::tcp::socket client, const ListenerRole& role,
                     WorkerServices& services);
  TcpProxyConnection(const TcpProxyConnection&) = delete;
  TcpProxyConnection& operator=(const TcpProxyConnection&) = delete;
  ~TcpProxyConnection() override;

  boost::asio::awaitable<void> serve();
  void abort() override;

  // The whole life of an accepted socket, for co_spawn.
  static boost::asio::awaitable<void> run(boost::asio::ip::tcp::socket client, ListenerRole role,
                                          WorkerServices& services);

 private:
  struct Route {
    boost::asio::ip::tcp::endpoint labelTarget;  // what the client asked for
    boost::asio::ip::tcp::endpoint connectTo;    // where the proxy connects
  };

  Result<Route> route();
  TcpSideLabels clientLabels(const Route& route, const Detection& detection) const;
  TcpSideLabels serverLabels(const Route& route) const;

  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket server_;
  const ListenerRole& role_;
  WorkerServices& services_;
  bool aborted_ = false;
};

}  // namespace wasmesh::proxy
