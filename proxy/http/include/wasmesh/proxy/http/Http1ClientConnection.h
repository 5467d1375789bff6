#pragma once

#include <boost/asio/ip/tcp.hpp>
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
  // before reuse, so a request is never written into a connection the server already shut.
  bool idleButDead();

 private:
  class Exchange;

  std::unique_ptr<boost::asio::ip::tcp::socket> socket_;
  std::unique_ptr<ByteStream> stream_;
  const HttpSettings& settings_;
  InputBuffer input_;
  bool busy_ = false;
  bool closed_ = false;
};

}  // namespace wasmesh::proxy::http
