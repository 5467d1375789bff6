#include "wasmesh/proxy/MeshClientConnector.h"

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/TimedConnect.h"

namespace wasmesh::proxy {
namespace {

using Outcome = MeshClientConnector::Outcome;

Outcome failed(boost::system::error_code error, std::string_view label, std::string detail) {
  return {nullptr, error, label, std::move(detail)};
}

}  // namespace

boost::asio::awaitable<Outcome> MeshClientConnector::connect(
    boost::asio::ip::tcp::socket& server, const boost::asio::ip::tcp::endpoint& meshEndpoint,
    const Destination& destination, const identity::MeshTlsContext& local,
    const TransportHeader& header, std::chrono::milliseconds timeout) {
  // Encoded first: a header this proxy cannot express is its own fault, not the peer's.
  auto headerBytes = encodeTransportHeader(header);
  if (!headerBytes) {
    co_return failed(headerBytes.error(), "transport_header_invalid",
                     headerBytes.error().message());
  }
  if (auto error = co_await connectWithin(server, meshEndpoint, timeout)) {
    co_return failed(error, error == errc::connect_timeout ? "connect_timeout" : "connect_failed",
                     error.message());
  }
  auto stream = TlsStream::make(server, local.clientContext(), TlsStream::Role::client,
                                destination.serverName);
  if (!stream)
    co_return failed(stream.error(), "tls_handshake_failed", "cannot create a TLS session");
  if (auto failure = co_await (*stream)->handshake(std::chrono::steady_clock::now() + timeout)) {
    co_return failed(failure->error, failure->label, std::move(failure->detail));
  }
  // The chain was verified against the trust anchors during the handshake; which identity
  // it proves is checked here, before a byte of the application leaves.
  if (auto peer = identity::expectPeerIdentity((*stream)->native(), destination.identity); !peer) {
    const auto proved = identity::peerIdentity((*stream)->native());
    co_return failed(peer.error(), "tls_identity_mismatch",
                     "expected " + destination.identity.toString() + ", the peer proved " +
                         (proved ? proved->toString() : proved.error().message()));
  }
  if (auto error = co_await (*stream)->writeAll(*headerBytes))
    co_return failed(error, "connect_failed", "writing the transport header: " + error.message());
  co_return Outcome{std::move(*stream), {}, {}, {}};
}

}  // namespace wasmesh::proxy
