#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>

#include "wasmesh/proxy/BufferPool.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/TcpMetrics.h"
#include "wasmesh/proxy/http/HttpContext.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy {

// Serves a connection detected (or declared) as HTTP through the HTTP layer: the codec for
// its protocol, the connection manager, and after a protocol switch (101) the byte relay
// between the two switched streams. The accepted side's tcp_* series count its bytes.
class HttpHandoff {
 public:
  struct Result {
    boost::system::error_code clientError;  // for tcp_close_total's errno
  };

  // `client`: the accepted connection (plain or TLS); `alreadyRead`: what detection consumed.
  // `activeCodec` points at the codec while it serves, for a drain to reach it.
  static boost::asio::awaitable<Result> serve(ByteStream& client,
                                              std::span<const std::uint8_t> alreadyRead,
                                              http::HttpConnectionContext context,
                                              http::HttpWorkerServices& services,
                                              BufferPool& buffers, TcpSideMetrics& clientMetrics,
                                              TcpMetrics& tcpMetrics, std::size_t shard,
                                              http::ServerConnection** activeCodec);
};

}  // namespace wasmesh::proxy
