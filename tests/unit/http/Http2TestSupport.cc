#include "Http2TestSupport.h"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <future>

#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/TlsStream.h"
#include "wasmesh/proxy/http/OwnedByteStream.h"

namespace wasmesh::proxy::http::test {
namespace {

using boost::asio::ip::tcp;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr std::size_t kPrefaceBytes = 24;

std::shared_ptr<const identity::MeshTlsContext> meshContext(
    const identity::CertificateAuthority& ca, const identity::TrustBundle& bundle,
    const char* serviceAccount) {
  using Clock = std::chrono::system_clock;
  auto id = identity::SpiffeId::workload("cluster.local", "default", serviceAccount).value();
  auto key = identity::PrivateKey::generate().value();
  auto issued = ca.issueForKey(key.publicKey(), id, std::chrono::hours{1}, Clock::now()).value();
  auto certified =
      identity::CertifiedKey::make(std::move(key), issued.chain, bundle, Clock::now()).value();
  return identity::MeshTlsContext::make(std::move(certified), bundle).value();
}

}  // namespace

int RecordingObserver::total() const {
  int sum = 0;
  for (const auto& count : counts_)
    sum += count.load();
  return sum;
}

TlsPair TlsPair::make() {
  auto ca = identity::CertificateAuthority::init("cluster.local", std::chrono::hours{24}).value();
  auto bundle = ca.trustBundle().value();
  return {meshContext(ca, bundle, "web"), meshContext(ca, bundle, "client")};
}

std::string bodyPattern(std::size_t size, std::uint8_t seed) {
  std::string body(size, '\0');
  std::uint32_t state = 2166136261U ^ seed;
  for (auto& c : body) {
    state = state * 16777619U + 1;
    c = static_cast<char>(state >> 24);
  }
  return body;
}

boost::asio::awaitable<void> sleepFor(std::chrono::milliseconds duration) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, duration);
  co_await timer.async_wait(kNoThrow);
}

boost::asio::awaitable<bool> eventually(std::function<bool()> condition,
                                        std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until)
      co_return false;
    co_await sleepFor(std::chrono::milliseconds(1));
  }
  co_return true;
}

void runCoroutine(const std::function<boost::asio::awaitable<void>()>& body) {
  boost::asio::io_context context;
  auto future = boost::asio::co_spawn(context, body(), boost::asio::use_future);
  const auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < until) {
    context.run_for(std::chrono::milliseconds(100));
    if (context.stopped())
      context.restart();
  }
  ASSERT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "the exchange hung";
  future.get();
}

CodecPair::CodecPair(bool tls, HttpSettings serverSettings, HttpSettings clientSettings)
    : tls_(tls), serverSettings_(serverSettings), clientSettings_(clientSettings) {
  if (tls_)
    certificates_ = TlsPair::make();
}

boost::asio::awaitable<void> CodecPair::serveOne(tcp::socket socket, RequestHandler handler) {
  std::unique_ptr<ByteStream> stream;
  if (tls_) {
    auto made =
        TlsStream::make(socket, certificates_->server->serverContext(), TlsStream::Role::server);
    EXPECT_TRUE(made.has_value());
    auto failure =
        co_await (*made)->handshake(std::chrono::steady_clock::now() + std::chrono::seconds(10));
    EXPECT_FALSE(failure.has_value()) << (failure ? failure->detail : "");
    stream = std::move(*made);
  } else {
    stream = std::make_unique<PlainStream>(socket);
  }
  // As detection does: the connection preface is read before the codec exists.
  std::vector<std::uint8_t> prefix;
  while (prefix.size() < kPrefaceBytes) {
    std::array<std::uint8_t, kPrefaceBytes> buffer{};
    boost::system::error_code error;
    const auto count =
        stream->readSome(std::span(buffer).first(kPrefaceBytes - prefix.size()), error);
    if (error == boost::asio::error::would_block) {
      co_await stream->waitToRead();
      continue;
    }
    if (error) {
      ADD_FAILURE() << "reading the preface: " << error.message();
      serverEnd_ = ServerConnectionEnd::aborted;
      co_return;
    }
    prefix.insert(prefix.end(), buffer.begin(), buffer.begin() + static_cast<long>(count));
  }
  Http2ServerConnection connection(*stream, serverSettings_, serverEvents_, prefix);
  server_ = &connection;
  serverEnd_ = co_await connection.serve(std::move(handler));
  server_ = nullptr;
}

boost::asio::awaitable<void> CodecPair::run(
    RequestHandler handler,
    std::function<boost::asio::awaitable<void>(Http2ClientConnection&)> body) {
  const auto executor = co_await boost::asio::this_coro::executor;
  tcp::acceptor acceptor(executor, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto socket = std::make_unique<tcp::socket>(executor);
  co_await socket->async_connect(acceptor.local_endpoint(), boost::asio::use_awaitable);
  auto accepted = co_await acceptor.async_accept(boost::asio::use_awaitable);
  boost::asio::co_spawn(executor, serveOne(std::move(accepted), std::move(handler)),
                        boost::asio::detached);

  std::unique_ptr<ByteStream> transport;
  if (tls_) {
    auto tls =
        TlsStream::make(*socket, certificates_->client->clientContext(), TlsStream::Role::client,
                        certificates_->server->identity().serverName);
    EXPECT_TRUE(tls.has_value());
    auto failure =
        co_await (*tls)->handshake(std::chrono::steady_clock::now() + std::chrono::seconds(10));
    EXPECT_FALSE(failure.has_value()) << (failure ? failure->detail : "");
    transport = std::make_unique<OwnedByteStream>(std::move(socket), std::move(*tls));
  } else {
    transport = OwnedByteStream::plain(std::move(*socket));
  }
  auto client = Http2ClientConnection::make(std::move(transport), clientSettings_, clientEvents_);
  EXPECT_TRUE(client.has_value());
  if (!client)
    co_return;
  co_await body(**client);
  (*client)->close();
  EXPECT_TRUE(co_await eventually([&] { return serverEnd_.has_value(); }))
      << "the server did not finish after the client closed";
  EXPECT_TRUE(co_await eventually([&] { return (*client)->closed(); }));
}

RequestHead requestFor(std::string_view method, std::string_view path) {
  RequestHead head;
  head.method = method;
  head.scheme = "http";
  head.authority = "web.test:8080";
  head.path = path;
  head.version = Version::http2;
  return head;
}

boost::asio::awaitable<CollectedBody> collect(
    const std::function<boost::asio::awaitable<Result<BodyChunk>>()>& read) {
  CollectedBody body;
  while (true) {
    auto chunk = co_await read();
    if (!chunk) {
      body.error = chunk.error();
      co_return body;
    }
    body.data.append(reinterpret_cast<const char*>(chunk->data.data()), chunk->data.size());
    if (chunk->end) {
      body.trailers = std::move(chunk->trailers);
      co_return body;
    }
  }
}

}  // namespace wasmesh::proxy::http::test
