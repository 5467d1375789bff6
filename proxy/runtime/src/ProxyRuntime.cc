#include "wasmesh/proxy/ProxyRuntime.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/metrics/ProcessCollector.h"
#include "wasmesh/proxy/DescriptorBudget.h"
#include "wasmesh/proxy/ListenerSocket.h"
#include "wasmesh/proxy/MeteredStream.h"
#include "wasmesh/proxy/http/Http2ClientConnection.h"
#include "wasmesh/proxy/http/OwnedByteStream.h"
#include "wasmesh/proxy/http/UpstreamConnector.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kDrainPollInterval = std::chrono::milliseconds(50);
// After aborting stragglers, how long to wait for their coroutines to unwind.
constexpr auto kAbortSettleTime = std::chrono::seconds(2);
constexpr std::size_t kIdleBuffersPerWorker = 64;
// Mesh refusal lines per worker, reason and window (TcpProxyConnection::refuse).
constexpr std::size_t kRefusalLinesPerWindow = 5;
constexpr auto kRefusalLogWindow = std::chrono::seconds(10);

boost::asio::awaitable<void> acceptLoop(boost::asio::ip::tcp::acceptor& acceptor, ListenerRole role,
                                        WorkerServices& services) {
  boost::asio::steady_timer backoff(acceptor.get_executor());
  while (acceptor.is_open()) {
    auto [error, socket] = co_await acceptor.async_accept(kNoThrow);
    if (error == boost::asio::error::operation_aborted || !acceptor.is_open())
      co_return;
    if (error) {
      // EMFILE and friends: pause rather than spin; established connections keep going.
      spdlog::warn("accept failed: {}", error.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    boost::asio::co_spawn(acceptor.get_executor(),
                          TcpProxyConnection::run(std::move(socket), role, services),
                          [](const std::exception_ptr& failure) {
                            if (!failure)
                              return;
                            try {
                              std::rethrow_exception(failure);
                            } catch (const std::exception& e) {
                              spdlog::error("connection handler failed: {}", e.what());
                            }
                          });
  }
}

http::HttpSettings httpSettingsOf(const TrafficConfig& traffic) {
  http::HttpSettings settings;
  if (traffic.idleTimeout.count() > 0)
    settings.idleTimeout = traffic.idleTimeout;
  settings.requestHeaderTimeout = traffic.requestHeaderTimeout;
  return settings;
}

// How often a worker drops HTTP metric cache entries idle past the retention period.
constexpr auto kHttpSweepInterval = std::chrono::minutes(1);

bool isMissingAddressFamily(const boost::system::error_code& error) {
  return error == boost::asio::error::address_family_not_supported ||
         error == boost::system::errc::address_not_available;
}

}  // namespace

ProxyRuntime::ProxyRuntime(Config config)
    : config_(std::move(config)),
      // The last shard belongs to the main thread.
      registry_(config_.workers + 1, metrics::SeriesLimits{config_.metricsMaxSeriesPerFamily,
                                                           config_.metricsRetainIdle}),
      tcpMetrics_(registry_),
      detectMetrics_(registry_, registry_.shardCount()),
      authorizer_(
          policy::DefaultPolicyEvaluator(config_.inboundDefaultPolicy, config_.clusterNetworks),
          registry_),
      httpMetrics_(registry_),
      inboundHttp_(httpSettingsOf(config_.inbound)),
      outboundHttp_(httpSettingsOf(config_.outbound)),
      signals_(mainContext_, SIGTERM, SIGINT),
      admin_(mainContext_, registry_,
             {[this] { return isReady(); },
              config_.adminShutdownEnabled
                  ? std::function<void()>([this] { beginDrain("POST /shutdown"); })
                  : std::function<void()>()}),
      drainTimer_(mainContext_) {
  registry_.addCollector(std::make_shared<metrics::ProcessCollector>());
  mesh_.authorizer = &authorizer_;
}

ProxyRuntime::~ProxyRuntime() {
  for (auto& slot : workers_)
    slot.worker->stop();
  // Acceptors, pooled connections and timers deregister from their worker's reactor when
  // destroyed: do it while the io_context still exists (the worker, and its context, are
  // destroyed next).
  for (auto& slot : workers_) {
    slot.acceptors.clear();
    slot.http.reset();
  }
}

namespace {

// Wraps a connected stream (plain, or the mesh transport's TLS) in an HTTP/2 client
// connection for a pool; null when the session cannot start.
http::UpstreamPool::Http2Factory http2ClientFactory(http::CodecObserver& observer) {
  return
      [&observer](http::ConnectedStream connected,
                  const http::HttpSettings& settings) -> std::shared_ptr<http::UpstreamConnection> {
        auto owned = std::make_unique<http::OwnedByteStream>(std::move(connected.socket),
                                                             std::move(connected.stream));
        auto made = http::Http2ClientConnection::make(std::move(owned), settings, observer);
        if (!made) {
          spdlog::debug("HTTP/2 upstream session could not start: {}", made.error().message());
          return nullptr;
        }
        return std::shared_ptr<http::UpstreamConnection>(std::move(*made));
      };
}

// Counts every connection a pool makes in the tcp_* families (the connected side), labelled
// as the relay labels its upstream connections: the mesh peer's identity, or why none.
http::Connector meteredConnector(http::Connector inner, TcpMetrics& tcp, Direction direction,
                                 std::size_t shard, const DiscoveryFile* discovery) {
  return [inner = std::move(inner), &tcp, direction, shard, discovery](const http::UpstreamKey& key)
             -> boost::asio::awaitable<
                 boost::system::result<http::ConnectedStream, http::ConnectFailure>> {
    auto connected = co_await inner(key);
    if (!connected)
      co_return connected;
    TcpSideLabels labels{
        direction,
        Peer::dst,
        key.endpoint,
        direction == Direction::inbound ? "loopback" : "not_provided_by_service_discovery",
        std::nullopt,
        std::nullopt};
    if (key.mesh) {
      labels.target = {key.endpoint.address(), key.meshTargetPort};
      const auto table = discovery != nullptr ? discovery->current() : nullptr;
      if (const auto* destination = table ? table->lookup(key.endpoint.address()) : nullptr)
        labels.peerIdentity = destination->identity.toString();
    }
    connected->stream =
        std::make_unique<MeteredStream>(std::move(connected->stream), tcp.side(labels, shard));
    co_return connected;
  };
}

}  // namespace

ProxyRuntime::HttpWorker::HttpWorker(ProxyRuntime& runtime, Worker& worker)
    : metrics(runtime.httpMetrics_, worker.index()),
      inboundUpstreamEvents(metrics, Direction::inbound, http::Version::http2),
      outboundUpstreamEvents(metrics, Direction::outbound, http::Version::http2),
      inboundPool(
          worker.context().get_executor(), runtime.inboundHttp_,
          meteredConnector(
              http::makeUpstreamConnector(runtime.identityStore_.get(), runtime.discovery_.get(),
                                          runtime.config_.inbound.connectTimeout),
              runtime.tcpMetrics_, Direction::inbound, worker.index(), runtime.discovery_.get()),
          http2ClientFactory(inboundUpstreamEvents)),
      outboundPool(
          worker.context().get_executor(), runtime.outboundHttp_,
          meteredConnector(
              http::makeUpstreamConnector(runtime.identityStore_.get(), runtime.discovery_.get(),
                                          runtime.config_.outbound.connectTimeout),
              runtime.tcpMetrics_, Direction::outbound, worker.index(), runtime.discovery_.get()),
          http2ClientFactory(outboundUpstreamEvents)),
      services{inboundPool, outboundPool, metrics, runtime.inboundHttp_, runtime.outboundHttp_},
      sweepTimer(worker.context()) {}

void ProxyRuntime::HttpWorker::armSweep() {
  sweepTimer.expires_after(kHttpSweepInterval);
  sweepTimer.async_wait([this](const boost::system::error_code& error) {
    if (error)
      return;
    metrics.sweep(std::chrono::steady_clock::now());
    armSweep();
  });
}

std::vector<ProxyRuntime::Listener> ProxyRuntime::plannedListeners() const {
  std::vector<Listener> planned;
  const auto limiterOf = [this](Direction direction) {
    return direction == Direction::inbound ? inboundLimiter_.get() : outboundLimiter_.get();
  };
  const auto transparent = [&](const char* name, Direction direction,
                               const TrafficConfig& traffic) {
    for (const auto& endpoint : traffic.listen) {
      ListenerRole role{direction, std::nullopt, &traffic, limiterOf(direction)};
      planned.push_back({name, endpoint, role, endpoint.address().is_v6()});
    }
  };
  transparent("inbound", Direction::inbound, config_.inbound);
  transparent("outbound", Direction::outbound, config_.outbound);
  for (const auto& route : config_.routes) {
    const auto& traffic =
        route.direction == Direction::inbound ? config_.inbound : config_.outbound;
    ListenerRole role{route.direction, route.target, &traffic, limiterOf(route.direction)};
    planned.push_back({"route " + route.name, route.listen, role, false});
  }
  return planned;
}

void ProxyRuntime::bindAdmin() {
  auto bound = admin_.listen(config_.adminListen);
  if (!bound) {
    throw StartupError("admin.listen " + formatSocketAddress(config_.adminListen) + ": " +
                       bound.error().message());
  }
  spdlog::info("admin listening on {}", formatSocketAddress(*bound));
  mesh_.proxyPorts.push_back(bound->port());
}

void ProxyRuntime::bindListeners() {
  for (auto& planned : plannedListeners()) {
    auto endpoint = planned.endpoint;
    bool skipped = false;
    for (auto& slot : workers_) {
      auto acceptor = openListenerSocket(slot.worker->context(), endpoint);
      if (!acceptor) {
        if (planned.optional && isMissingAddressFamily(acceptor.error())) {
          spdlog::warn("{} listener {} skipped: {}", planned.name, formatSocketAddress(endpoint),
                       acceptor.error().message());
          skipped = true;
          break;
        }
        throw StartupError(planned.name + " listener " + formatSocketAddress(endpoint) + ": " +
                           acceptor.error().message());
      }
      // Port 0 asks the kernel for a port: the other workers join the one it chose.
      boost::system::error_code ec;
      endpoint = acceptor->local_endpoint(ec);
      slot.acceptors.push_back(
          std::make_unique<boost::asio::ip::tcp::acceptor>(std::move(*acceptor)));
    }
    if (skipped) {
      for (auto& slot : workers_) {
        if (slot.acceptors.size() > listeners_.size())
          slot.acceptors.pop_back();
      }
      continue;
    }
    planned.endpoint = endpoint;
    listeners_.push_back(planned);
    spdlog::info("{} listening on {}", planned.name, formatSocketAddress(endpoint));
  }
}

bool ProxyRuntime::isReady() const {
  // With an identity, ready means holding a valid certificate for it (Linkerd's rule).
  return ready_.load(std::memory_order_relaxed) && (!identityStore_ || identityStore_->ready());
}

void ProxyRuntime::startIdentity() {
  const auto& settings = config_.identity;
  if (!settings.configured()) {
    spdlog::info("identity: not configured; running unmeshed (no mesh TLS)");
    return;
  }
  // Validated by the config loader, so parsing cannot fail here.
  identityStore_ = std::make_unique<identity::IdentityStore>(
      identity::SpiffeId::parse(settings.id).value(), registry_);
  if (settings.usesService()) {
    // The service presents the identity `wasmesh identity serve` takes by default.
    auto serviceId = identity::SpiffeId::workload(identityStore_->workload().trustDomain(),
                                                  "wasmesh", "identity");
    identityClient_ = std::make_unique<identity::IdentityServiceClient>(
        identity::IdentityServiceClient::Settings{*settings.service, std::move(*serviceId),
                                                  settings.trustAnchors, settings.tokenFile},
        *identityStore_, mainContext_.get_executor());
    identityClient_->start();
    spdlog::info(
        "identity: requesting a certificate for {} from {}; /ready answers 503 until "
        "one is held",
        settings.id, formatHostPort(*settings.service));
  } else {
    certificateFiles_ = std::make_unique<identity::CertificateFiles>(
        identity::CertificateFiles::Paths{settings.trustAnchors, settings.certFile,
                                          settings.keyFile},
        *identityStore_, mainContext_.get_executor());
    certificateFiles_->start();
    if (!identityStore_->ready()) {
      spdlog::warn(
          "identity: no valid certificate for {} yet; /ready answers 503 until one is "
          "loaded from {}",
          settings.id, settings.certFile);
    }
  }
  mesh_.identities = identityStore_.get();
}

void ProxyRuntime::startDiscovery() {
  if (config_.discoveryFile.empty())
    return;
  auto opened = DiscoveryFile::open(mainContext_.get_executor(), config_.discoveryFile, registry_,
                                    registry_.shardCount() - 1);
  if (!opened)
    throw StartupError("discovery.file: " + opened.error());
  discovery_ = std::move(*opened);
  if (identityStore_) {
    mesh_.discovery = discovery_.get();
  } else {
    spdlog::warn("discovery: no identity configured, so no destination is meshed");
  }
  spdlog::info("discovery: {} destinations from {}", discovery_->current()->size(),
               config_.discoveryFile);
}

int ProxyRuntime::run() {
  // OpenSSL writes TLS records with write(2), not send(MSG_NOSIGNAL): a record written to a
  // peer that has just reset would raise SIGPIPE and kill the process. As in nginx, haproxy
  // and Envoy, the proxy ignores it and takes EPIPE as the connection's error.
  std::signal(SIGPIPE, SIG_IGN);
  resolveConnectionBudget();
  bindAdmin();
  startIdentity();
  startDiscovery();
  for (std::size_t index = 0; index < config_.workers; ++index) {
    WorkerSlot slot;
    slot.worker = std::make_unique<Worker>(index);
    slot.buffers = std::make_unique<BufferPool>(config_.tcpBufferSize, kIdleBuffersPerWorker);
    slot.refusalLog = std::make_unique<LogThrottle>(kRefusalLinesPerWindow, kRefusalLogWindow);
    slot.http = std::make_unique<HttpWorker>(*this, *slot.worker);
    slot.services = std::make_unique<WorkerServices>(
        WorkerServices{*slot.worker, *slot.buffers, tcpMetrics_, detectMetrics_, mesh_,
                       *slot.refusalLog, &slot.http->services});
    workers_.push_back(std::move(slot));
  }
  bindListeners();
  for (const auto& listener : listeners_)
    mesh_.proxyPorts.push_back(listener.endpoint.port());
  for (auto& slot : workers_) {
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      boost::asio::co_spawn(slot.worker->context(),
                            acceptLoop(*slot.acceptors[i], listeners_[i].role, *slot.services),
                            boost::asio::detached);
    }
    boost::asio::post(slot.worker->context(), [&slot] { slot.http->armSweep(); });
    slot.worker->start();
  }
  awaitSignal();
  ready_ = true;
  spdlog::info("wasmesh proxy ready: {} workers, identity {}", config_.workers,
               config_.identity.configured() ? config_.identity.id : "not configured (unmeshed)");
  mainContext_.run();
  spdlog::info("wasmesh proxy stopped");
  return 0;
}

void ProxyRuntime::resolveConnectionBudget() {
  const auto budget = DescriptorBudget::compute(
      raiseDescriptorLimit(), config_.inbound.maxConnections, config_.outbound.maxConnections);
  if (!budget.fits()) {
    spdlog::warn(
        "inbound.max_connections {} and outbound.max_connections {} need more file "
        "descriptors than the limit of {} leaves beside a reserve of {}: the proxy may run out",
        budget.inboundConnections, budget.outboundConnections, budget.descriptorLimit,
        budget.reserve);
  }
  inboundLimiter_ = std::make_unique<ConnectionLimiter>(budget.inboundConnections);
  outboundLimiter_ = std::make_unique<ConnectionLimiter>(budget.outboundConnections);
  spdlog::info("connection limits: {} inbound, {} outbound ({} file descriptors, {} reserved)",
               budget.inboundConnections, budget.outboundConnections, budget.descriptorLimit,
               budget.reserve);
}

std::uint32_t ProxyRuntime::activeConnections() const {
  return inboundLimiter_->active() + outboundLimiter_->active();
}

void ProxyRuntime::awaitSignal() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal) {
    if (error)
      return;
    const std::string name = signal == SIGTERM ? "SIGTERM" : "SIGINT";
    if (draining_) {
      endDrainNow("second " + name);
      return;
    }
    beginDrain(name);
    awaitSignal();
  });
}

void ProxyRuntime::beginDrain(const std::string& reason) {
  if (draining_)
    return;
  draining_ = true;
  ready_ = false;
  spdlog::info("draining ({}): no new connections; {} open, grace period {}", reason,
               activeConnections(), formatDuration(config_.shutdownGracePeriod));
  for (auto& slot : workers_) {
    boost::asio::post(slot.worker->context(), [&slot] {
      boost::system::error_code ignored;
      for (auto& acceptor : slot.acceptors)
        acceptor->close(ignored);
      // HTTP connections finish their requests in flight and take no more.
      slot.worker->drainAll();
    });
  }
  drainDeadline_ = std::chrono::steady_clock::now() + config_.shutdownGracePeriod;
  pollDrain();
}

void ProxyRuntime::endDrainNow(const std::string& reason) {
  if (abortedStragglers_)
    return;
  spdlog::warn("{}: ending the drain now, resetting {} connections", reason, activeConnections());
  drainDeadline_ = std::chrono::steady_clock::now();
  drainTimer_.cancel();
  pollDrain();
}

void ProxyRuntime::pollDrain() {
  const auto now = std::chrono::steady_clock::now();
  if (activeConnections() == 0) {
    finish();
    return;
  }
  if (!abortedStragglers_ && now >= drainDeadline_) {
    abortedStragglers_ = true;
    spdlog::warn("grace period over: resetting {} connections", activeConnections());
    for (auto& slot : workers_) {
      boost::asio::post(slot.worker->context(), [&slot] { slot.worker->abortAll(); });
    }
  }
  if (abortedStragglers_ && now >= drainDeadline_ + kAbortSettleTime) {
    finish();
    return;
  }
  drainTimer_.expires_after(kDrainPollInterval);
  drainTimer_.async_wait([this](const boost::system::error_code& error) {
    if (!error)
      pollDrain();
  });
}

void ProxyRuntime::finish() {
  admin_.close();
  if (certificateFiles_)
    certificateFiles_->stop();
  if (identityClient_)
    identityClient_->stop();
  if (discovery_)
    discovery_->stop();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  for (auto& slot : workers_)
    slot.worker->stop();
  mainContext_.stop();
}

}  // namespace wasmesh::proxy
