#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/AsyncEvent.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/UpstreamConnection.h"
#include "wasmesh/proxy/http/UpstreamKey.h"

namespace wasmesh::proxy::http {

// A connected byte stream to an upstream and the socket under it, as a connector makes it.
struct ConnectedStream {
  std::unique_ptr<boost::asio::ip::tcp::socket> socket;
  std::unique_ptr<ByteStream> stream;
};

// Why a connection could not be made, in the terms the proxy's errors use.
struct ConnectFailure {
  boost::system::error_code error;
  std::string_view label;  // static, e.g. "connect_timeout", "tls_identity_mismatch"
  std::string detail;
};

// Makes connections for the pool: plain TCP, or the mesh transport (mutual TLS and a
// transport header) for a meshed key. Provided by the layer that knows identities.
using Connector =
    std::function<boost::asio::awaitable<boost::system::result<ConnectedStream, ConnectFailure>>(
        const UpstreamKey& key)>;

// A worker's upstream connections, by key: HTTP/1 connections kept alive for reuse (closed
// after sitting idle for Linkerd's 3 s), HTTP/2 connections shared by every request to the
// key (closed after 5 s without a stream). Single-threaded, like the worker that owns it.
class UpstreamPool {
 public:
  static constexpr auto kHttp1IdleTimeout = std::chrono::seconds(3);
  // An HTTP/2 connection with no stream this long is closed (GOAWAY): a shared connection
  // costs a handshake to remake, but an idle one holds descriptors and the peer's memory.
  static constexpr auto kHttp2IdleTimeout = std::chrono::seconds(5);
  // Connections one worker holds or is making to one upstream (Envoy's circuit breaker
  // default): past it a request gets 503 `overloaded` instead of another descriptor, so a
  // client multiplexing many HTTP/2 streams onto an HTTP/1 upstream cannot exhaust them.
  static constexpr std::size_t kDefaultMaxConnectionsPerKey = 1024;

  // `http2Factory` wraps a connected stream in an HTTP/2 client connection (the codec lives
  // apart from the pool).
  using Http2Factory =
      std::function<std::shared_ptr<UpstreamConnection>(ConnectedStream, const HttpSettings&)>;

  UpstreamPool(const boost::asio::any_io_executor& executor, const HttpSettings& settings,
               Connector connector, Http2Factory http2Factory,
               std::size_t maxConnectionsPerKey = kDefaultMaxConnectionsPerKey);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

  // A connection that can start a request now: an available pooled one, or a new one.
  boost::asio::awaitable<boost::system::result<std::shared_ptr<UpstreamConnection>, ConnectFailure>>
  acquire(const UpstreamKey& key);
  // A connection made elsewhere (the socket detection connected eagerly) joins the pool.
  std::shared_ptr<UpstreamConnection> adopt(const UpstreamKey& key, ConnectedStream connected);
  // Every connection: HTTP/2 ones GOAWAY, idle HTTP/1 ones close.
  void closeAll();

  std::size_t size() const noexcept;

 private:
  struct Entry {
    std::shared_ptr<UpstreamConnection> connection;
    std::chrono::steady_clock::time_point idleSince;
  };

  std::shared_ptr<UpstreamConnection> wrap(const UpstreamKey& key, ConnectedStream connected);
  std::shared_ptr<UpstreamConnection> findAvailable(const UpstreamKey& key);
  // Pooled (open) connections to the key plus those being made.
  std::size_t connectionsTo(const UpstreamKey& key) const;
  void armSweep();
  void sweep();

  boost::asio::any_io_executor executor_;
  const HttpSettings& settings_;
  Connector connector_;
  Http2Factory http2Factory_;
  std::size_t maxConnectionsPerKey_;
  std::unordered_map<UpstreamKey, std::vector<Entry>, UpstreamKeyHash> entries_;
  std::unordered_map<UpstreamKey, std::size_t, UpstreamKeyHash> connecting_;
  // HTTP/2 connections being made, for the requests that wait to share them.
  std::unordered_map<UpstreamKey, std::shared_ptr<AsyncEvent>, UpstreamKeyHash> pending_;
  boost::asio::steady_timer sweepTimer_;
  bool sweeping_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace wasmesh::proxy::http
