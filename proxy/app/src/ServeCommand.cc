#include "ServeCommand.h"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <fstream>
#include <iterator>
#include <ostream>
#include <thread>

#include "Logging.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/AdminServer.h"
#include "wasmesh/proxy/ListenerSocket.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/Worker.h"
#include "wasmesh/proxy/component/ComponentHandler.h"
#include "wasmesh/proxy/component/OutgoingHttpClient.h"
#include "wasmesh/proxy/http/Http1ServerConnection.h"
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

// Codec refusals (malformed requests, floods) counted as the proxy counts them.
class CodecCounter final : public proxy::http::CodecObserver {
 public:
  explicit CodecCounter(proxy::http::HttpWorkerMetrics& metrics) : metrics_(metrics) {}
  void onEvent(proxy::http::CodecEvent event) override {
    metrics_.codecEvent(proxy::Direction::inbound, proxy::http::Version::http11, event);
  }

 private:
  proxy::http::HttpWorkerMetrics& metrics_;
};

// One worker's share: its thread, its listener, its codec metrics.
struct ServeWorker {
  std::unique_ptr<proxy::Worker> worker;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
  std::unique_ptr<proxy::http::HttpWorkerMetrics> metrics;
  std::unique_ptr<CodecCounter> codec;
};

// Requests being served, over all workers: what a stop waits for.
using InFlight = std::atomic<std::size_t>;

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class Protocol { http1, http2, none };

// The client's protocol, from its first bytes (kept in `read` for the codec): HTTP/2 prior
// knowledge when they are the connection preface, HTTP/1 as soon as they cannot be. `none`
// when the client sends nothing in time or goes away.
boost::asio::awaitable<Protocol> sniff(proxy::ByteStream& stream, std::vector<std::uint8_t>& read,
                                       std::chrono::milliseconds timeout) {
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, timeout);
  std::array<std::uint8_t, kHttp2Preface.size()> buffer{};
  while (read.size() < kHttp2Preface.size()) {
    boost::system::error_code error;
    const std::size_t got =
        stream.readSome(std::span(buffer).first(kHttp2Preface.size() - read.size()), error);
    if (error == boost::asio::error::would_block) {
      auto woken = co_await (stream.waitToRead() || timer.async_wait(kNoThrow));
      if (woken.index() == 1)
        co_return Protocol::none;
      continue;
    }
    if (error || got == 0)
      co_return read.empty() ? Protocol::none : Protocol::http1;
    read.insert(read.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got));
    if (!std::equal(read.begin(), read.end(), kHttp2Preface.begin()))
      co_return Protocol::http1;
  }
  co_return Protocol::http2;
}

boost::asio::awaitable<void> serveConnection(boost::asio::ip::tcp::socket socket,
                                             ServeWorker& worker, ComponentHandler& handler,
                                             const proxy::http::HttpSettings& settings,
                                             InFlight& inFlight) {
  boost::system::error_code ignored;
  socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  proxy::PlainStream stream(socket);
  std::vector<std::uint8_t> read;
  const Protocol protocol = co_await sniff(stream, read, settings.requestHeaderTimeout);
  if (protocol == Protocol::none)
    co_return;
  if (protocol == Protocol::http2) {
    // HTTP/2 arrives with the proxy's HTTP/2 server codec; until then the client is told
    // the connection is over (its h2c prior knowledge cannot fall back to HTTP/1).
    spdlog::debug("HTTP/2 prior knowledge from {}: not served yet",
                  formatSocketAddress(socket.remote_endpoint(ignored)));
    co_return;
  }
  proxy::http::Http1ServerConnection connection(stream, settings, *worker.codec, read);
  const std::size_t shard = worker.worker->index();
  co_await connection.serve(
      [&handler, &inFlight,
       shard](proxy::http::ServerStream& request) -> boost::asio::awaitable<void> {
        ++inFlight;
        co_await handler.serve(request, shard);
        --inFlight;
      });
}

boost::asio::awaitable<void> acceptLoop(ServeWorker& worker, ComponentHandler& handler,
                                        const proxy::http::HttpSettings& settings,
                                        InFlight& inFlight) {
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
                          serveConnection(std::move(socket), worker, handler, settings, inFlight),
                          boost::asio::detached);
  }
}

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
  ComponentHandler::Options handlerOptions;
  handlerOptions.timeout = timeout;
  handlerOptions.onFailure = [](const proxy::http::RequestHead& head, const GuestOutcome& outcome) {
    spdlog::warn("{} {}: {}: {}", head.method, head.path,
                 proxy::component::guestResultName(outcome.result), outcome.message);
  };
  ComponentHandler handler(pool, componentMetrics, handlerOptions);

  boost::asio::io_context mainContext{1};
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
    worker.codec = std::make_unique<CodecCounter>(*worker.metrics);
  }
  std::optional<proxy::AdminServer> admin;
  if (options.admin) {
    admin.emplace(mainContext, registry, proxy::AdminServer::Hooks{[] { return true; }, {}});
    auto adminBound = admin->listen(*parseSocketAddress(*options.admin));
    if (!adminBound) {
      err << "--admin: cannot listen on " << *options.admin << ": " << adminBound.error().message()
          << "\n";
      return 1;
    }
    spdlog::info("admin listening on {}", formatSocketAddress(*adminBound));
  }
  InFlight inFlight{0};
  for (auto& worker : workers) {
    boost::asio::co_spawn(worker.worker->context(), acceptLoop(worker, handler, settings, inFlight),
                          boost::asio::detached);
    worker.worker->start();
  }
  spdlog::info("serve listening on {}", formatSocketAddress(bound));
  spdlog::info(
      "wasmesh wasm serve ready: {} on {} ({} guest threads, {} instances ready, {} ms to start)",
      name, options.engine, poolOptions.threads, pool.readyInstances(), startup.count());

  boost::asio::signal_set signals(mainContext, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& error, int signal) {
    if (error)
      return;
    spdlog::info("{}: stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    for (auto& worker : workers) {
      boost::asio::post(worker.worker->context(), [&worker] {
        boost::system::error_code ignored;
        worker.acceptor->close(ignored);
      });
    }
    if (admin)
      admin->close();
  });
  mainContext.run();
  // Requests in flight finish (their timeout bounds them) within the grace period.
  const auto deadline = std::chrono::steady_clock::now() + kGracePeriod;
  while (inFlight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  pool.stop();
  for (auto& worker : workers)
    worker.worker->stop();
  std::uint64_t failed = 0;
  for (std::size_t i = 1; i <= static_cast<std::size_t>(proxy::component::GuestResult::cancelled);
       ++i)
    failed += componentMetrics.requests(static_cast<proxy::component::GuestResult>(i));
  spdlog::info("wasmesh wasm serve stopped: {} requests ok, {} failed",
               componentMetrics.requests(proxy::component::GuestResult::ok), failed);
  return 0;
}

}  // namespace wasmesh::app
