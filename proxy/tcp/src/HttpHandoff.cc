#include "wasmesh/proxy/HttpHandoff.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string_view>
#include <vector>

#include "wasmesh/proxy/CountingStream.h"
#include "wasmesh/proxy/ErrnoName.h"
#include "wasmesh/proxy/TcpRelay.h"
#include "wasmesh/proxy/http/Http1ServerConnection.h"
#include "wasmesh/proxy/http/Http2ServerConnection.h"
#include "wasmesh/proxy/http/HttpConnectionManager.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// RFC 9113 section 3.4.
constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

bool prefaceSoFar(std::span<const std::uint8_t> bytes) {
  const auto n = std::min(bytes.size(), kPreface.size());
  return std::equal(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n),
                    kPreface.begin());
}

// The client's protocol, from its first bytes: the HTTP/2 preface or anything else. A port
// hint names what the server speaks, not what every client does (an HTTP/2 client reaches
// an HTTP/1-only server through the proxy), so a hinted connection is looked at too; after
// detection the bytes already decide and nothing more is read. Reads at most the preface's
// 24 bytes, within `timeout`; a client that stops short is served as HTTP/1, whose codec
// then times it out or refuses it.
boost::asio::awaitable<http::Version> clientVersion(ByteStream& client,
                                                    std::vector<std::uint8_t>& bytes,
                                                    std::chrono::milliseconds timeout) {
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer deadline(co_await boost::asio::this_coro::executor, timeout);
  while (bytes.size() < kPreface.size() && prefaceSoFar(bytes)) {
    std::array<std::uint8_t, kPreface.size()> chunk{};
    boost::system::error_code error;
    const auto n = client.readSome(std::span(chunk).first(kPreface.size() - bytes.size()), error);
    if (n > 0) {
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
      continue;
    }
    if (error != boost::asio::error::would_block)
      break;
    const auto woken = co_await (client.waitToRead() || deadline.async_wait(kNoThrow));
    if (woken.index() == 1)
      break;
  }
  co_return bytes.size() >= kPreface.size() && prefaceSoFar(bytes) ? http::Version::http2
                                                                   : http::Version::http11;
}

}  // namespace

boost::asio::awaitable<HttpHandoff::Result> HttpHandoff::serve(
    ByteStream& client, std::span<const std::uint8_t> alreadyRead,
    http::HttpConnectionContext context, http::HttpWorkerServices& services, BufferPool& buffers,
    TcpSideMetrics& clientMetrics, TcpMetrics& tcpMetrics, std::size_t shard,
    http::ServerConnection** activeCodec) {
  CountingStream counted(client, clientMetrics);
  // What detection read was counted when it was read.
  const auto direction = context.direction;
  const auto target = context.target;
  const auto idleTimeout = context.traffic->idleTimeout;
  const auto& settings =
      direction == Direction::inbound ? services.inboundSettings : services.outboundSettings;
  std::vector<std::uint8_t> firstBytes(alreadyRead.begin(), alreadyRead.end());
  const auto version = co_await clientVersion(counted, firstBytes, settings.requestHeaderTimeout);
  context.downstreamVersion = version;
  http::HttpConnectionManager manager(std::move(context), services);
  std::unique_ptr<http::ServerConnection> codec;
  if (version == http::Version::http2) {
    codec = std::make_unique<http::Http2ServerConnection>(counted, manager.settings(), manager,
                                                          firstBytes);
  } else {
    codec = std::make_unique<http::Http1ServerConnection>(counted, manager.settings(), manager,
                                                          firstBytes);
  }
  *activeCodec = codec.get();
  auto outcome = co_await manager.serve(*codec);
  *activeCodec = nullptr;
  if (!outcome.upgrade)
    co_return Result{};
  // Both sides switched protocols (a WebSocket, say): bytes from here on, both ways.
  auto& pair = *outcome.upgrade;
  TcpSideLabels upstreamLabels{
      direction,
      Peer::dst,
      target,
      direction == Direction::inbound ? "loopback" : "not_provided_by_service_discovery",
      std::nullopt,
      std::nullopt};
  auto upstreamMetrics = tcpMetrics.side(upstreamLabels, shard);
  upstreamMetrics.open();
  if (!pair.downstream.buffered.empty()) {
    if (const auto error = co_await pair.upstream.stream->writeAll(pair.downstream.buffered))
      co_return Result{};
    upstreamMetrics.wrote(pair.downstream.buffered.size());
  }
  if (!pair.upstream.buffered.empty()) {
    if (const auto error = co_await counted.writeAll(pair.upstream.buffered))
      co_return Result{error};
  }
  TcpRelay relay(client, *pair.upstream.stream, buffers, clientMetrics, upstreamMetrics);
  const auto relayed = co_await relay.run(idleTimeout);
  upstreamMetrics.close(errnoName(relayed.serverError));
  co_return Result{relayed.clientError};
}

}  // namespace wasmesh::proxy
