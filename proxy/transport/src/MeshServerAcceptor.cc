#include "wasmesh/proxy/MeshServerAcceptor.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/ProtocolDetector.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// As much as a ClientHello may take (Linkerd's limit, and detection's).
constexpr std::size_t kMaxClientHelloBytes = 8192;
// A TLS record's worth: the header and whatever application bytes share its record.
constexpr std::size_t kHeaderReadChunk = 16384;
using Outcome = MeshServerAcceptor::Outcome;

Outcome failed(boost::system::error_code error, std::string_view label, std::string detail) {
  Outcome outcome;
  outcome.error = error;
  outcome.label = label;
  outcome.detail = std::move(detail);
  return outcome;
}

Outcome timedOut(std::string_view waitingFor) {
  return failed(make_error_code(errc::tls_handshake_timeout), "tls_handshake_timeout",
                "no " + std::string(waitingFor) + " within the detect timeout");
}

// After the handshake: the client is a verified mesh peer that went quiet, not a TLS problem.
Outcome headerTimedOut() {
  return failed(make_error_code(errc::transport_header_timeout), "transport_header_timeout",
                "no transport header within the detect timeout");
}

// Waits for `wait` or the timer: empty when the timer came first.
boost::asio::awaitable<std::optional<boost::system::error_code>> readableBefore(
    boost::asio::awaitable<boost::system::error_code> wait, boost::asio::steady_timer& timer) {
  using boost::asio::experimental::awaitable_operators::operator||;
  auto woken = co_await (std::move(wait) || timer.async_wait(kNoThrow));
  if (woken.index() == 1)
    co_return std::nullopt;
  co_return std::get<0>(woken);
}

// Reads the transport header through the terminated TLS, keeping what follows it.
boost::asio::awaitable<Outcome> readHeader(Outcome outcome, boost::asio::steady_timer& timer) {
  std::vector<std::uint8_t> bytes;
  while (true) {
    const auto before = bytes.size();
    bytes.resize(before + kHeaderReadChunk);
    boost::system::error_code error;
    const auto count = outcome.stream->readSome({bytes.data() + before, kHeaderReadChunk}, error);
    bytes.resize(before + count);
    if (error == boost::asio::error::would_block) {
      auto waited = co_await readableBefore(outcome.stream->waitToRead(), timer);
      if (!waited)
        co_return headerTimedOut();
      if (*waited)
        co_return failed(*waited, "transport_header_missing", waited->message());
      continue;
    }
    if (error) {
      co_return failed(error, "transport_header_missing",
                       "the connection ended before a transport header: " + error.message());
    }
    const auto decoded = decodeTransportHeader(bytes);
    if (decoded.status == TransportHeaderDecode::Status::invalid) {
      co_return failed(decoded.error, "transport_header_invalid", std::string(decoded.problem));
    }
    if (decoded.status == TransportHeaderDecode::Status::complete) {
      outcome.header = decoded.header;
      outcome.early.assign(bytes.begin() + static_cast<std::ptrdiff_t>(decoded.consumed),
                           bytes.end());
      co_return outcome;
    }
  }
}

}  // namespace

boost::asio::awaitable<Outcome> MeshServerAcceptor::accept(
    boost::asio::ip::tcp::socket& client, const identity::IdentitySnapshot& identities,
    std::chrono::steady_clock::time_point deadline) {
  boost::asio::steady_timer timer(client.get_executor(), deadline);
  PlainStream plain(client);
  std::vector<std::uint8_t> hello(kMaxClientHelloBytes);
  std::size_t buffered = 0;
  while (true) {
    auto waited = co_await readableBefore(plain.waitToRead(), timer);
    if (!waited)
      co_return timedOut("TLS ClientHello");
    boost::system::error_code error;
    const auto count = plain.readSome({hello.data() + buffered, hello.size() - buffered}, error);
    if (error == boost::asio::error::would_block)
      continue;
    if (error) {
      co_return failed(error, "tls_required",
                       "the connection ended before a TLS ClientHello: " + error.message());
    }
    buffered += count;
    const auto detection = detectProtocol({hello.data(), buffered}, kMaxClientHelloBytes);
    if (detection.protocol == DetectedProtocol::undecided)
      continue;
    if (detection.protocol != DetectedProtocol::tls) {
      co_return failed(make_error_code(errc::tls_required), "tls_required",
                       "the client did not start with a TLS ClientHello");
    }
    co_return co_await accept(client, {hello.data(), buffered}, detection.tls.serverName,
                              identities, deadline);
  }
}

boost::asio::awaitable<Outcome> MeshServerAcceptor::accept(
    boost::asio::ip::tcp::socket& client, std::span<const std::uint8_t> clientHello,
    std::string_view serverName, const identity::IdentitySnapshot& identities,
    std::chrono::steady_clock::time_point deadline) {
  const auto local = identities.byServerName(serverName);
  if (!local) {
    co_return failed(make_error_code(errc::unknown_server_name), "unknown_server_name",
                     "SNI \"" + std::string(serverName) + "\" names no local identity");
  }
  auto stream =
      TlsStream::make(client, local->serverContext(), TlsStream::Role::server, {}, clientHello);
  if (!stream)
    co_return failed(stream.error(), "tls_handshake_failed", "cannot create a TLS session");
  if (auto failure = co_await (*stream)->handshake(deadline))
    co_return failed(failure->error, failure->label, std::move(failure->detail));
  // The server context accepts only the mesh ALPN and requires a verified client certificate;
  // both are checked again here so that a change there cannot open this path silently.
  if ((*stream)->negotiatedAlpn() != identity::kMeshAlpn) {
    co_return failed(make_error_code(errc::tls_handshake_failed), "tls_handshake_failed",
                     "the client did not negotiate ALPN " + std::string(identity::kMeshAlpn));
  }
  auto clientId = identity::peerIdentity((*stream)->native());
  if (!clientId) {
    co_return failed(clientId.error(), "tls_no_client_certificate",
                     "no usable client identity: " + clientId.error().message());
  }
  Outcome outcome;
  outcome.stream = std::move(*stream);
  outcome.clientId = clientId->toString();
  boost::asio::steady_timer timer(client.get_executor(), deadline);
  co_return co_await readHeader(std::move(outcome), timer);
}

}  // namespace wasmesh::proxy
