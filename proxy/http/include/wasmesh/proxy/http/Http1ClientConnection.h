#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/InputBuffer.h"
#include "wasmesh/proxy/http/UpstreamConnection.h"

namespace wasmesh::proxy::http {

// An upstream HTTP/1.1 connection: one exchange at a time, kept alive between them while
// the upstream allows it. It owns its socket and the stream over it (plain or TLS); an
// exchange holds a shared reference, so a connection dropped from its pool mid-exchange
// lives until the exchange ends.
class Http1ClientConnection final : public UpstreamConnection,
                                    public std::enable_shared_from_this<Http1ClientConnection> {
 public:
  // `stream` reads and writes `*socket`.
  Http1ClientConnection(std::unique_ptr<boost::asio::ip::tcp::socket> socket,
                        std::unique_ptr<ByteStream> stream, const HttpSettings& settings);
  ~Http1ClientConnection() override;

  Version version() const override { return Version::http11; }
  bool available() const override;
  bool closed() const override { return closed_; }
  boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> startRequest(
      const RequestHead& head, bool endStream) override;
  void close() override;

  // Whether the upstream closed (or sent something) while the connection sat idle: checked
  // before reuse, so a request is rarely written into a connection the server already shut.
  // A connection idle for less than kTrustedIdle is not probed (one syscall per request
  // saved); the rare loser of that race fails as connection_closed and a request without a
  // body is retried on another connection.
  bool idleButDead();
  static constexpr auto kTrustedIdle = std::chrono::milliseconds(500);

 private:
  class Exchange;

  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
  std::unique_ptr<ByteStream> stream_;
  const HttpSettings& settings_;
  InputBuffer input_;
  bool busy_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point idleSince_ = std::chrono::steady_clock::now();
};

}  // namespace wasmesh::proxy::http
