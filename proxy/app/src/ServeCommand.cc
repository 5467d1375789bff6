#include "ServeCommand.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <ostream>
#include <thread>

#include "Logging.h"
#include "ServeConnection.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/AdminServer.h"
#include "wasmesh/proxy/ListenerSocket.h"
#include "wasmesh/proxy/Worker.h"
#include "wasmesh/proxy/component/ComponentHandler.h"
#include "wasmesh/proxy/component/OutgoingHttpClient.h"
#include "wasmesh/proxy/http/HttpMetrics.h"
#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/component/ComponentLinker.h"
#include "wasmesh/wasm/component/http/HttpHost.h"
#include "wasmesh/wasm/component/http/IncomingHandler.h"

namespace wasmesh::app {
namespace {

namespace wc = wasm::component;
using proxy::component::ComponentHandler;
using proxy::component::ComponentMetrics;
using proxy::component::ComponentPool;
using proxy::component::GuestOutcome;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kDefaultTimeout = std::chrono::seconds(30);
// How long requests in flight may take to finish after SIGTERM before the process exits.
constexpr auto kGracePeriod = std::chrono::seconds(10);

// How long the aborted stragglers get to unwind before the process exits.
constexpr auto kAbortSettleTime = std::chrono::seconds(1);
constexpr auto kDrainPollInterval = std::chrono::milliseconds(50);

// Codec refusals (malformed requests, floods) counted as the proxy counts them, under the
// protocol of the codec that saw them.
class CodecCounter final : public proxy::http::CodecObserver {
 public:
  CodecCounter(proxy::http::HttpWorkerMetrics& metrics, proxy::http::Version version)
      : metrics_(metrics), version_(version) {}
  void onEvent(proxy::http::CodecEvent event) override {
    metrics_.codecEvent(proxy::Direction::inbound, version_, event);
  }

 private:
  proxy::http::HttpWorkerMetrics& metrics_;
  proxy::http::Version version_;
};

// One worker's share: its thread, its listener, its codec metrics, what its connections share.
struct ServeWorker {
  std::unique_ptr<proxy::Worker> worker;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<proxy::http::HttpWorkerMetrics> metrics;
  std::unique_ptr<CodecCounter> http1Codec;
  std::unique_ptr<CodecCounter> http2Codec;
  ServeConnection::Context connections;
};

boost::asio::awaitable<void> acceptLoop(ServeWorker& worker) {
  boost::asio::steady_timer backoff(worker.acceptor->get_executor());
  while (worker.acceptor->is_open()) {
    auto [error, socket] = co_await worker.acceptor->async_accept(kNoThrow);
    if (error == boost::asio::error::operation_aborted || !worker.acceptor->is_open())
      co_return;
    if (error) {
      // EMFILE and friends: pause rather than spin; established connections keep going.
      spdlog::warn("accept failed: {}", error.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    boost::asio::co_spawn(worker.acceptor->get_executor(),
                          ServeConnection::run(std::move(socket), worker.connections),
                          boost::asio::detached);
  }
}

// SIGTERM or SIGINT: no new connections, the open ones drained (HTTP/2 GOAWAY, HTTP/1
// `Connection: close`) and given the grace period, then reset; a second signal resets them
// at once. Runs on the main context, which runs out of work when the drain is over.
class Shutdown {
 public:
  Shutdown(boost::asio::io_context& context, std::vector<ServeWorker>& workers,
           const std::atomic<std::size_t>& open, std::function<void()> onEnd)
      : signals_(context, SIGTERM, SIGINT),
        timer_(context),
        workers_(workers),
        open_(open),
        onEnd_(std::move(onEnd)) {}

  bool draining() const { return deadline_.has_value(); }

  void awaitSignal() {
    signals_.async_wait([this](const boost::system::error_code& error, int signal) {
      if (error)
        return;
      const char* name = signal == SIGTERM ? "SIGTERM" : "SIGINT";
      if (deadline_) {
        spdlog::warn("second {}: ending the drain now, resetting {} connections", name,
                     open_.load());
        deadline_ = std::chrono::steady_clock::now();
        poll();
        return;
      }
      spdlog::info("{}: stopping; draining {} connections, grace period {} s", name, open_.load(),
                   kGracePeriod.count());
      deadline_ = std::chrono::steady_clock::now() + kGracePeriod;
      for (auto& worker : workers_) {
        boost::asio::post(worker.worker->context(), [&worker] {
          boost::system::error_code ignored;
          worker.acceptor->close(ignored);
          worker.connections.draining = true;
          worker.worker->drainAll();
        });
      }
      awaitSignal();
      poll();
    });
  }

 private:
  void poll() {
    const auto now = std::chrono::steady_clock::now();
    if (open_.load() == 0 || (aborted_ && now >= *deadline_ + kAbortSettleTime)) {
      boost::system::error_code ignored;
      signals_.cancel(ignored);
      timer_.cancel();
      onEnd_();
      return;
    }
    if (!aborted_ && now >= *deadline_) {
      aborted_ = true;
      spdlog::warn("grace period over: resetting {} connections", open_.load());
      for (auto& worker : workers_)
        boost::asio::post(worker.worker->context(), [&worker] { worker.worker->abortAll(); });
    }
    timer_.expires_after(kDrainPollInterval);
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error)
        poll();
    });
  }

  boost::asio::signal_set signals_;
  boost::asio::steady_timer timer_;
  std::vector<ServeWorker>& workers_;
  const std::atomic<std::size_t>& open_;
  std::function<void()> onEnd_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool aborted_ = false;
};

std::vector<std::pair<std::string, std::string>> keyValues(const std::vector<std::string>& list) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& entry : list) {
    const auto equals = entry.find('=');
    pairs.emplace_back(entry.substr(0, equals),
                       equals == std::string::npos ? "" : entry.substr(equals + 1));
  }
  return pairs;
}

// The wasi:http component in `options.module`, linked against the host; null with the error
// on `err`.
std::shared_ptr<const wc::LinkedComponent> load(const WasmOptions& options, std::ostream& err) {
  std::ifstream file(options.module, std::ios::binary);
  if (!file) {
    err << "cannot read " << options.module << "\n";
    return nullptr;
  }
  const std::vector<std::uint8_t> bytes(std::istreambuf_iterator<char>(file), {});
  if (!wc::ComponentDecoder::isComponent(bytes)) {
    err << options.module << " is not a component (wasm serve serves wasi:http components)\n";
    return nullptr;
  }
  auto decoded = wc::ComponentDecoder::decode(bytes);
  if (!decoded) {
    err << decoded.error().describe() << "\n";
    return nullptr;
  }
  auto linked = wc::ComponentLinker::link(*decoded, wc::http::HttpHost::host());
  if (linked->error) {
    err << linked->error->describe() << "\n";
    return nullptr;
  }
  if (wc::http::IncomingHandler::findExport(*linked) == nullptr) {
    err << "not a wasi:http component: no wasi:http/incoming-handler export\n";
    return nullptr;
  }
  return linked;
}

std::string componentName(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (name.ends_with(".wasm"))
    name.resize(name.size() - 5);
  return name;
}

}  // namespace

int serveComponent(const WasmOptions& options, std::ostream& err) {
  configureLogging("info", proxy::LogFormat::plain);
  std::signal(SIGPIPE, SIG_IGN);
  auto linked = load(options, err);
  if (!linked)
    return 1;
  const auto endpoint = *parseSocketAddress(options.listen);
  const std::chrono::milliseconds timeout = options.timeout.value_or(kDefaultTimeout);
  const std::size_t workerCount = std::max<std::size_t>(options.workers, 1);

  // Workers first: the outgoing client runs on their event loops.
  std::vector<ServeWorker> workers(workerCount);
  std::vector<boost::asio::any_io_executor> executors;
  for (std::size_t i = 0; i < workerCount; ++i) {
    workers[i].worker = std::make_unique<proxy::Worker>(i);
    executors.emplace_back(workers[i].worker->context().get_executor());
  }
  proxy::http::HttpSettings settings;
  settings.idleTimeout = std::chrono::seconds(60);

  proxy::component::ComponentPoolOptions poolOptions;
  poolOptions.linked = linked;
  poolOptions.engine = *wasm::parseEngineKind(options.engine);
  poolOptions.limits.maxMemoryBytes = options.maxMemory;
  poolOptions.limits.cpuTimePerCall = timeout;
  poolOptions.timeout = timeout;
  poolOptions.threads =
      options.guestThreads.value_or(std::max<std::size_t>(std::thread::hardware_concurrency(), 1));
  poolOptions.instancesPerThread = options.instances;
  const std::string name = componentName(options.module);
  poolOptions.wasi = [&options, name] {
    wc::wasi::WasiOptions wasi;
    wasi.args.push_back(name);
    wasi.environment = keyValues(options.environment);
    wasi.config = keyValues(options.config);
    for (const DirectoryOption& dir : options.directories)
      wasi.directories.push_back({dir.host, dir.guest, dir.writable});
    return wc::wasi::withProcessStreams(std::move(wasi));
  };
  poolOptions.http.allowedAuthorities = options.allowOutgoing;
  poolOptions.http.client = std::make_shared<proxy::component::OutgoingHttpClient>(
      executors, settings, proxy::component::OutgoingHttpClient::Defaults{});
  ComponentPool pool(poolOptions);
  const auto started = std::chrono::steady_clock::now();
  if (auto ready = pool.start(); !ready) {
    err << ready.error().describe() << "\n";
    return 1;
  }
  const auto startup = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);

  metrics::Registry registry(workerCount + 1);
  proxy::http::HttpMetrics httpMetrics(registry);
  ComponentMetrics componentMetrics(registry, name, pool);
  const ServeProtocolMetrics protocolMetrics(registry);
  ComponentHandler::Options handlerOptions;
  handlerOptions.timeout = timeout;
  handlerOptions.onFailure = [](const proxy::http::RequestHead& head, const GuestOutcome& outcome) {
    spdlog::warn("{} {}: {}: {}", head.method, head.path,
                 proxy::component::guestResultName(outcome.result), outcome.message);
  };
  ComponentHandler handler(pool, componentMetrics, handlerOptions);

  boost::asio::io_context mainContext{1};
  std::atomic<std::size_t> open{0};
  std::optional<proxy::AdminServer> admin;
  Shutdown shutdown(mainContext, workers, open, [&admin] {
    if (admin)
      admin->close();
  });
  boost::asio::ip::tcp::endpoint bound = endpoint;
  for (auto& worker : workers) {
    auto acceptor = proxy::openListenerSocket(worker.worker->context(), bound);
    if (!acceptor) {
      err << "--listen: cannot listen on " << formatSocketAddress(bound) << ": "
          << acceptor.error().message() << "\n";
      return 1;
    }
    // Port 0: every worker's listener shares the port the first one was given.
    bound = acceptor->local_endpoint();
    worker.acceptor = std::make_unique<boost::asio::ip::tcp::acceptor>(std::move(*acceptor));
    worker.metrics =
        std::make_unique<proxy::http::HttpWorkerMetrics>(httpMetrics, worker.worker->index());
    worker.http1Codec =
        std::make_unique<CodecCounter>(*worker.metrics, proxy::http::Version::http11);
    worker.http2Codec =
        std::make_unique<CodecCounter>(*worker.metrics, proxy::http::Version::http2);
    worker.connections = ServeConnection::Context{
        worker.worker.get(), &handler,
        &settings,           {worker.http1Codec.get(), worker.http2Codec.get()},
        &protocolMetrics,    &open};
  }
  if (options.admin) {
    // Not ready while draining, as the proxy's readiness.
    admin.emplace(mainContext, registry,
                  proxy::AdminServer::Hooks{[&shutdown] { return !shutdown.draining(); }, {}});
    auto adminBound = admin->listen(*parseSocketAddress(*options.admin));
    if (!adminBound) {
      err << "--admin: cannot listen on " << *options.admin << ": " << adminBound.error().message()
          << "\n";
      return 1;
    }
    spdlog::info("admin listening on {}", formatSocketAddress(*adminBound));
  }
  for (auto& worker : workers) {
    boost::asio::co_spawn(worker.worker->context(), acceptLoop(worker), boost::asio::detached);
    worker.worker->start();
  }
  spdlog::info("serve listening on {}", formatSocketAddress(bound));
  spdlog::info(
      "wasmesh wasm serve ready: {} on {} ({} guest threads, {} instances ready, {} ms to start)",
      name, options.engine, poolOptions.threads, pool.readyInstances(), startup.count());

  shutdown.awaitSignal();
  mainContext.run();
  pool.stop();
  for (auto& worker : workers) {
    worker.worker->stop();
    worker.acceptor.reset();
    // Connections still suspended go with their worker's context, now, while what they refer
    // to (the connection count, the handler, the settings) is alive.
    worker.worker.reset();
  }
  std::uint64_t failed = 0;
  for (std::size_t i = 1; i <= static_cast<std::size_t>(proxy::component::GuestResult::cancelled);
       ++i)
    failed += componentMetrics.requests(static_cast<proxy::component::GuestResult>(i));
  spdlog::info("wasmesh wasm serve stopped: {} requests ok, {} failed",
               componentMetrics.requests(proxy::component::GuestResult::ok), failed);
  return 0;
}

}  // namespace wasmesh::app
