#include <gtest/gtest.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <thread>

#include "wasmesh/common/Error.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/MeshTlsContext.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/TcpRelay.h"
#include "wasmesh/proxy/TlsStream.h"

namespace wasmesh::proxy {
namespace {

using boost::asio::ip::tcp;
using Clock = std::chrono::system_clock;

std::shared_ptr<const identity::MeshTlsContext> meshContext(
    const identity::CertificateAuthority& ca, const identity::TrustBundle& bundle,
    const char* serviceAccount) {
  auto id = identity::SpiffeId::workload("cluster.local", "default", serviceAccount).value();
  auto key = identity::PrivateKey::generate().value();
  auto issued = ca.issueForKey(key.publicKey(), id, std::chrono::hours{1}, Clock::now()).value();
  auto certified =
      identity::CertifiedKey::make(std::move(key), issued.chain, bundle, Clock::now()).value();
  return identity::MeshTlsContext::make(std::move(certified), bundle).value();
}

struct Pair {
  tcp::socket left;
  tcp::socket right;
};

Pair connectedPair(boost::asio::io_context& leftContext, boost::asio::io_context& rightContext) {
  tcp::acceptor acceptor(rightContext, {boost::asio::ip::make_address("127.0.0.1"), 0});
  tcp::socket left(leftContext);
  left.connect(acceptor.local_endpoint());
  return {std::move(left), acceptor.accept()};
}

// An application client and server, blocking, talking through two relays joined by mesh
// TLS: app client -> [plain | TLS client] == TLS == [TLS server | plain] -> app server.
// Both relays run on one thread, as a worker's connections do.
class TlsStreamTest : public ::testing::TestWithParam<bool> {
 protected:
  // `consumeClientHello`: the server side reads the ClientHello itself before the handshake,
  // as the inbound proxy does while detecting, and hands it over as the prefix.
  void start(bool consumeClientHello) {
    auto front = connectedPair(appContext_, proxyContext_);
    auto mesh = connectedPair(proxyContext_, proxyContext_);
    auto back = connectedPair(proxyContext_, appContext_);
    appClient_ = std::move(front.left);
    appServer_ = std::move(back.right);
    outbound_ = boost::asio::co_spawn(
        proxyContext_,
        relay(std::move(front.right), std::move(mesh.left), false, consumeClientHello),
        boost::asio::use_future);
    inbound_ = boost::asio::co_spawn(
        proxyContext_, relay(std::move(mesh.right), std::move(back.left), true, consumeClientHello),
        boost::asio::use_future);
    thread_ = std::thread([this] { proxyContext_.run(); });
  }

  boost::asio::awaitable<RelayOutcome> relay(tcp::socket plainOrTls, tcp::socket other,
                                             bool serverSide, bool consumeClientHello) {
    std::vector<std::uint8_t> prefix;
    if (serverSide && consumeClientHello) {
      co_await plainOrTls.async_wait(tcp::socket::wait_read, boost::asio::use_awaitable);
      prefix.resize(8192);
      prefix.resize(plainOrTls.read_some(boost::asio::buffer(prefix)));
    }
    auto& tlsSocket = serverSide ? plainOrTls : other;
    auto& plainSocket = serverSide ? other : plainOrTls;
    auto tls = serverSide ? TlsStream::make(tlsSocket, web_->serverContext(),
                                            TlsStream::Role::server, {}, prefix)
                          : TlsStream::make(tlsSocket, db_->clientContext(),
                                            TlsStream::Role::client, web_->identity().serverName);
    EXPECT_TRUE(tls.has_value());
    const auto failure =
        co_await (*tls)->handshake(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    EXPECT_FALSE(failure) << failure->detail;
    if (failure)
      co_return RelayOutcome{failure->error, failure->error};
    const auto peer = identity::peerIdentity((*tls)->native()).value();
    EXPECT_EQ(peer.toString(),
              serverSide ? db_->identity().id.toString() : web_->identity().id.toString());
    EXPECT_EQ((*tls)->negotiatedAlpn(), identity::kMeshAlpn);
    PlainStream plain(plainSocket);
    auto& clientStream = serverSide ? static_cast<ByteStream&>(**tls) : plain;
    auto& serverStream = serverSide ? static_cast<ByteStream&>(plain) : **tls;
    auto& metrics = serverSide ? inboundMetrics_ : outboundMetrics_;
    TcpRelay relay(clientStream, serverStream, buffers_, metrics, metrics);
    co_return co_await relay.run(std::chrono::minutes(1));
  }

  void TearDown() override {
    proxyContext_.stop();
    if (thread_.joinable())
      thread_.join();
  }

  static RelayOutcome outcomeOf(std::future<RelayOutcome>& future) {
    EXPECT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return future.get();
  }

  identity::CertificateAuthority ca_ =
      identity::CertificateAuthority::init("cluster.local", std::chrono::hours{24}).value();
  identity::TrustBundle bundle_ = ca_.trustBundle().value();
  std::shared_ptr<const identity::MeshTlsContext> web_ = meshContext(ca_, bundle_, "web");
  std::shared_ptr<const identity::MeshTlsContext> db_ = meshContext(ca_, bundle_, "db");
  metrics::Registry registry_{1};
  TcpMetrics tcpMetrics_{registry_};
  TcpSideMetrics outboundMetrics_ = tcpMetrics_.side({}, 0);
  TcpSideMetrics inboundMetrics_ = tcpMetrics_.side({}, 0);
  BufferPool buffers_{16384, 4};
  boost::asio::io_context proxyContext_;
  boost::asio::io_context appContext_;
  tcp::socket appClient_{appContext_};
  tcp::socket appServer_{appContext_};
  std::future<RelayOutcome> outbound_;
  std::future<RelayOutcome> inbound_;
  std::thread thread_;
};

TEST_P(TlsStreamTest, RelaysThroughMeshTlsAndPassesHalfClosesBothWays) {
  start(GetParam());
  std::string request(1'000'000, 'q');  // many records and relay chunks
  for (std::size_t i = 0; i < request.size(); i += 997)
    request[i] = static_cast<char>('a' + i % 26);
  std::thread writer([&] {
    boost::asio::write(appClient_, boost::asio::buffer(request));
    appClient_.shutdown(tcp::socket::shutdown_send);
  });
  std::string received;
  boost::system::error_code ec;
  boost::asio::read(appServer_, boost::asio::dynamic_buffer(received), ec);
  writer.join();
  EXPECT_EQ(ec, boost::asio::error::eof) << "the client's FIN must cross as close_notify + FIN";
  EXPECT_TRUE(received == request) << "got " << received.size() << " bytes";

  // The reply still flows after the client's half-close.
  const std::string reply = "reply after half-close";
  boost::asio::write(appServer_, boost::asio::buffer(reply));
  appServer_.shutdown(tcp::socket::shutdown_send);
  std::string replied;
  boost::asio::read(appClient_, boost::asio::dynamic_buffer(replied), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
  EXPECT_EQ(replied, reply);

  for (auto* future : {&outbound_, &inbound_}) {
    const auto outcome = outcomeOf(*future);
    EXPECT_FALSE(outcome.clientError) << outcome.clientError.message();
    EXPECT_FALSE(outcome.serverError) << outcome.serverError.message();
  }
}

TEST_P(TlsStreamTest, ServerResetReachesTheClientAsAReset) {
  start(GetParam());
  boost::asio::write(appClient_, boost::asio::buffer(std::string("hello")));
  std::array<char, 5> got{};
  boost::asio::read(appServer_, boost::asio::buffer(got));
  appServer_.set_option(boost::asio::socket_base::linger(true, 0));
  appServer_.close();
  boost::system::error_code ec;
  std::array<char, 16> buffer{};
  appClient_.read_some(boost::asio::buffer(buffer), ec);
  EXPECT_EQ(ec, boost::asio::error::connection_reset) << ec.message();
  EXPECT_EQ(outcomeOf(inbound_).serverError, boost::asio::error::connection_reset);
  EXPECT_EQ(outcomeOf(outbound_).serverError, boost::asio::error::connection_reset)
      << "a TCP end without close_notify is a failure, not an orderly end";
}

INSTANTIATE_TEST_SUITE_P(ClientHelloReadBySocketOrPrefix, TlsStreamTest, ::testing::Bool());

// A server-side handshake against whatever `clientSends` (nothing, or bytes that are not
// TLS), with `timeout`.
std::optional<TlsFailure> serverHandshakeAgainst(const std::string& clientSends,
                                                 std::chrono::milliseconds timeout) {
  boost::asio::io_context context;
  auto pair = connectedPair(context, context);
  auto ca = identity::CertificateAuthority::init("cluster.local", std::chrono::hours{24}).value();
  auto bundle = ca.trustBundle().value();
  auto web = meshContext(ca, bundle, "web");
  if (!clientSends.empty())
    boost::asio::write(pair.left, boost::asio::buffer(clientSends));
  auto future = boost::asio::co_spawn(
      context,
      [&]() -> boost::asio::awaitable<std::optional<TlsFailure>> {
        auto tls =
            TlsStream::make(pair.right, web->serverContext(), TlsStream::Role::server).value();
        co_return co_await tls->handshake(std::chrono::steady_clock::now() + timeout);
      },
      boost::asio::use_future);
  context.run();
  return future.get();
}

TEST(TlsStreamHandshakeTest, SilentPeerTimesOut) {
  const auto failure = serverHandshakeAgainst({}, std::chrono::milliseconds(100));
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, errc::tls_handshake_timeout);
  EXPECT_EQ(failure->label, "tls_handshake_timeout");
}

TEST(TlsStreamHandshakeTest, PlaintextIsAHandshakeFailure) {
  const auto failure = serverHandshakeAgainst("GET / HTTP/1.1\r\n\r\n", std::chrono::seconds(5));
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->error, errc::tls_handshake_failed);
  EXPECT_FALSE(failure->detail.empty());
}

}  // namespace
}  // namespace wasmesh::proxy
