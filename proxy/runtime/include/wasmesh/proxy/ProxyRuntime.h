#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "wasmesh/identity/CertificateFiles.h"
#include "wasmesh/identity/IdentityServiceClient.h"
#include "wasmesh/identity/IdentityStore.h"
#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/AdminServer.h"
#include "wasmesh/proxy/BufferPool.h"
#include "wasmesh/proxy/Config.h"
#include "wasmesh/proxy/DetectMetrics.h"
#include "wasmesh/proxy/DiscoveryFile.h"
#include "wasmesh/proxy/TcpMetrics.h"
#include "wasmesh/proxy/TcpProxyConnection.h"
#include "wasmesh/proxy/Worker.h"
#include "wasmesh/proxy/http/CodecEventCounter.h"
#include "wasmesh/proxy/http/HttpContext.h"
#include "wasmesh/proxy/http/HttpMetrics.h"
#include "wasmesh/proxy/http/UpstreamPool.h"

namespace wasmesh::proxy {

// Thrown while starting (a listener that cannot bind); main prints it and exits 1.
class StartupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The running sidecar: workers with their listeners, the admin server, signals and the
// graceful drain. The main thread runs admin, signals and drain timers.
class ProxyRuntime {
 public:
  explicit ProxyRuntime(Config config);
  ProxyRuntime(const ProxyRuntime&) = delete;
  ProxyRuntime& operator=(const ProxyRuntime&) = delete;
  ~ProxyRuntime();

  // Binds everything, serves until drained, returns the process exit status.
  int run();

 private:
  struct Listener {
    std::string name;
    boost::asio::ip::tcp::endpoint endpoint;
    ListenerRole role;
    bool optional = false;  // a default IPv6 listener on a host without IPv6
  };
  // Members are destroyed bottom-up: the worker (and with it any suspended connection)
  // goes first, while the buffers, services and acceptors those connections use still exist.
  // A worker's HTTP state: upstream pools per direction, metric caches, and the timer that
  // sweeps idle cache entries. Lives on the worker's io_context.
  struct HttpWorker {
    HttpWorker(ProxyRuntime& runtime, Worker& worker);
    http::HttpWorkerMetrics metrics;
    // Declared before the pools: their HTTP/2 connections report to these.
    http::CodecEventCounter inboundUpstreamEvents;
    http::CodecEventCounter outboundUpstreamEvents;
    http::UpstreamPool inboundPool;
    http::UpstreamPool outboundPool;
    http::HttpWorkerServices services;
    boost::asio::steady_timer sweepTimer;
    void armSweep();
  };
  struct WorkerSlot {
    std::unique_ptr<BufferPool> buffers;
    std::unique_ptr<LogThrottle> refusalLog;
    std::unique_ptr<HttpWorker> http;
    std::unique_ptr<WorkerServices> services;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors;
    std::unique_ptr<Worker> worker;
  };

  std::vector<Listener> plannedListeners() const;
  void bindAdmin();
  void startIdentity();
  void startDiscovery();
  bool isReady() const;
  void bindListeners();
  void resolveConnectionBudget();
  std::uint32_t activeConnections() const;
  void awaitSignal();
  void beginDrain(const std::string& reason);
  // A second SIGTERM/SIGINT while draining: what a second Ctrl-C means to an operator.
  void endDrainNow(const std::string& reason);
  void pollDrain();
  void finish();

  Config config_;
  metrics::Registry registry_;
  TcpMetrics tcpMetrics_;
  DetectMetrics detectMetrics_;
  InboundAuthorizer authorizer_;
  http::HttpMetrics httpMetrics_;
  http::HttpSettings inboundHttp_;
  http::HttpSettings outboundHttp_;
  // One budget per direction; made in run(), once the descriptor limit is known.
  std::unique_ptr<ConnectionLimiter> inboundLimiter_;
  std::unique_ptr<ConnectionLimiter> outboundLimiter_;
  boost::asio::io_context mainContext_{1};
  boost::asio::signal_set signals_;
  AdminServer admin_;
  std::vector<Listener> listeners_;
  std::vector<WorkerSlot> workers_;
  // The proxy's identity and the sources that keep it current; null when unmeshed.
  std::unique_ptr<identity::IdentityStore> identityStore_;
  std::unique_ptr<identity::CertificateFiles> certificateFiles_;
  std::unique_ptr<identity::IdentityServiceClient> identityClient_;
  std::unique_ptr<DiscoveryFile> discovery_;
  // Points into the members above; filled before the first connection is accepted.
  MeshServices mesh_;
  std::atomic<bool> ready_{false};
  bool draining_ = false;
  std::chrono::steady_clock::time_point drainDeadline_;
  bool abortedStragglers_ = false;
  boost::asio::steady_timer drainTimer_;
};

}  // namespace wasmesh::proxy
