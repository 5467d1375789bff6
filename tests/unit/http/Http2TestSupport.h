#pragma once

#include <array>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasmesh/identity/MeshTlsContext.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/Http2ClientConnection.h"
#include "wasmesh/proxy/http/Http2ServerConnection.h"
#include "wasmesh/proxy/http/HttpSettings.h"

namespace wasmesh::proxy::http::test {

// Counts what a codec reports; read from the test thread after the codec's thread is done.
class RecordingObserver final : public CodecObserver {
 public:
  void onEvent(CodecEvent event) override { ++counts_[static_cast<std::size_t>(event)]; }
  int count(CodecEvent event) const { return counts_[static_cast<std::size_t>(event)].load(); }
  int total() const;

 private:
  std::array<std::atomic<int>, 16> counts_{};
};

// A server certificate and a client certificate from one test CA, for h2 over TLS.
struct TlsPair {
  std::shared_ptr<const identity::MeshTlsContext> server;
  std::shared_ptr<const identity::MeshTlsContext> client;
  static TlsPair make();
};

std::string bodyPattern(std::size_t size, std::uint8_t seed = 0);
boost::asio::awaitable<void> sleepFor(std::chrono::milliseconds duration);
// Polls `condition` every millisecond until it holds or `limit` passes (a hang guard, not a
// timing assertion); returns whether it held.
boost::asio::awaitable<bool> eventually(std::function<bool()> condition,
                                        std::chrono::milliseconds limit = std::chrono::seconds(20));

// Runs `body` on a fresh io_context until it completes; fails the test if it does not
// within a minute (a hang, not a slow run).
void runCoroutine(const std::function<boost::asio::awaitable<void>()>& body);

// A client codec and a server codec joined by loopback TCP (plain, or mesh TLS), all on
// the io_context of the coroutine that calls run().
class CodecPair {
 public:
  explicit CodecPair(bool tls, HttpSettings serverSettings = {}, HttpSettings clientSettings = {});

  // Connects, serves with `handler`, runs `body` with the client connection, then closes
  // the client and waits for the server's serve() to return.
  boost::asio::awaitable<void> run(
      RequestHandler handler,
      std::function<boost::asio::awaitable<void>(Http2ClientConnection&)> body);

  Http2ServerConnection* server() const { return server_; }
  std::optional<ServerConnectionEnd> serverEnd() const { return serverEnd_; }
  RecordingObserver& serverEvents() { return serverEvents_; }
  RecordingObserver& clientEvents() { return clientEvents_; }

 private:
  boost::asio::awaitable<void> serveOne(boost::asio::ip::tcp::socket socket,
                                        RequestHandler handler);

  bool tls_;
  HttpSettings serverSettings_;
  HttpSettings clientSettings_;
  std::optional<TlsPair> certificates_;
  RecordingObserver serverEvents_;
  RecordingObserver clientEvents_;
  Http2ServerConnection* server_ = nullptr;
  std::optional<ServerConnectionEnd> serverEnd_;
};

// The request a test client sends: GET / with an authority, or `method` to `path`.
RequestHead requestFor(std::string_view method = "GET", std::string_view path = "/");

// Collects a whole body (with its trailers) from a reader; fails on the first error.
struct CollectedBody {
  std::string data;
  std::optional<HeaderMap> trailers;
  boost::system::error_code error;
};
boost::asio::awaitable<CollectedBody> collect(
    const std::function<boost::asio::awaitable<Result<BodyChunk>>()>& read);

}  // namespace wasmesh::proxy::http::test
