#pragma once

#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "wasmesh/metrics/Counter.h"
#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/Worker.h"
#include "wasmesh/proxy/component/ComponentHandler.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::app {

// What `wasm serve` told its connections apart by.
enum class ServeProtocol : std::uint8_t { http1, http2 };
inline constexpr std::size_t kServeProtocols = 2;
std::string_view serveProtocolName(ServeProtocol protocol) noexcept;  // "http/1", "http/2"

// wasmesh_wasm_serve_connections_total{protocol} and wasmesh_wasm_serve_requests_total
// {protocol}: the component's own counters do not say which codec carried a request.
class ServeProtocolMetrics {
 public:
  explicit ServeProtocolMetrics(metrics::Registry& registry);
  void connection(ServeProtocol protocol, std::size_t shard) const;
  void request(ServeProtocol protocol, std::size_t shard) const;

 private:
  std::array<metrics::Counter, kServeProtocols> connections_;
  std::array<metrics::Counter, kServeProtocols> requests_;
};

// One connection accepted by `wasm serve`. Its first bytes tell the protocol: the HTTP/2
// connection preface (h2c with prior knowledge, as `wasmtime serve` takes it) goes to the
// HTTP/2 server codec, an HTTP/1 request line to the HTTP/1.1 one, and bytes that are
// neither get a 400. Either way each request goes to the component's handler.
//
// The connection is tracked by its worker, so that SIGTERM reaches it: drain() sends an
// HTTP/2 client GOAWAY and ends an HTTP/1 connection after its current response; requests
// in flight finish. abort() ends it at once (the grace period is over).
class ServeConnection final : public proxy::Abortable {
 public:
  // What a worker's connections share; outlives them.
  struct Context {
    proxy::Worker* worker = nullptr;
    proxy::component::ComponentHandler* handler = nullptr;
    const proxy::http::HttpSettings* settings = nullptr;
    // Codec events, counted under their protocol.
    std::array<proxy::http::CodecObserver*, kServeProtocols> codecs{};
    const ServeProtocolMetrics* metrics = nullptr;
    // Connections open over all workers: what a drain waits for.
    std::atomic<std::size_t>* open = nullptr;
    // Set on the worker when the drain starts: a connection accepted before the listener
    // closed but started after drainAll() drains from its start.
    bool draining = false;
  };

  // Serves `socket` until the connection is over; runs on the context's worker.
  static boost::asio::awaitable<void> run(boost::asio::ip::tcp::socket socket,
                                          const Context& context);

  ServeConnection(boost::asio::ip::tcp::socket socket, const Context& context);
  ~ServeConnection() override;
  ServeConnection(const ServeConnection&) = delete;
  ServeConnection& operator=(const ServeConnection&) = delete;

  void drain() override;
  void abort() override;

 private:
  enum class Sniffed : std::uint8_t { http1, http2, notHttp, nothing };

  boost::asio::awaitable<void> serve();
  // What the client's first bytes are (kept in read_ for the codec), judged by detectHttp():
  // the HTTP/2 preface, an HTTP/1 request line, or bytes that cannot become either, decided
  // on the first byte that rules both out. Reads at most a request line's bound, for at most
  // the request header timeout. `nothing` when the client says nothing in time or goes away,
  // or a drain comes first.
  boost::asio::awaitable<Sniffed> sniff();
  boost::asio::awaitable<void> refuseNotHttp();

  boost::asio::ip::tcp::socket socket_;
  proxy::PlainStream stream_;
  const Context& context_;
  std::vector<std::uint8_t> read_;
  boost::asio::steady_timer sniffTimer_;
  std::unique_ptr<proxy::http::ServerConnection> codec_;
  bool draining_ = false;
  bool aborted_ = false;
};

}  // namespace wasmesh::app
