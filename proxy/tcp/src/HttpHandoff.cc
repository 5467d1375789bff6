#include "wasmesh/proxy/HttpHandoff.h"

#include <spdlog/spdlog.h>

#include "wasmesh/proxy/CountingStream.h"
#include "wasmesh/proxy/ErrnoName.h"
#include "wasmesh/proxy/TcpRelay.h"
#include "wasmesh/proxy/http/Http1ServerConnection.h"
#include "wasmesh/proxy/http/Http2ServerConnection.h"
#include "wasmesh/proxy/http/HttpConnectionManager.h"

namespace wasmesh::proxy {

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
  const auto version = context.downstreamVersion;
  http::HttpConnectionManager manager(std::move(context), services);
  std::unique_ptr<http::ServerConnection> codec;
  if (version == http::Version::http2) {
    codec = std::make_unique<http::Http2ServerConnection>(counted, manager.settings(), manager,
                                                          alreadyRead);
  } else {
    codec = std::make_unique<http::Http1ServerConnection>(counted, manager.settings(), manager,
                                                          alreadyRead);
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
