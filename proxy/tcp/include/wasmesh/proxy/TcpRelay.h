#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

#include "wasmesh/proxy/BufferPool.h"
#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/TcpMetrics.h"

namespace wasmesh::proxy {

// How a relay ended, per socket. An error is attributed to the socket it happened on; a
// socket closed because of the other side's failure has no error of its own.
struct RelayOutcome {
  boost::system::error_code clientError;
  boost::system::error_code serverError;
};

// Copies bytes both ways (plain or TLS, whatever the streams are) until both directions have seen
// end-of-stream (a FIN is passed on as a shutdown of the other socket, so half-closed conversations
// complete), one side fails (the other is then reset, so the failure is visible end to end), or
// nothing moves for `idleTimeout`. Backpressure is inherent: a direction does not read again until
// its last chunk is written. Buffers come from the worker's pool only while bytes are in flight.
class TcpRelay {
 public:
  TcpRelay(ByteStream& client, ByteStream& server, BufferPool& buffers,
           TcpSideMetrics& clientMetrics, TcpSideMetrics& serverMetrics);

  boost::asio::awaitable<RelayOutcome> run(std::chrono::milliseconds idleTimeout);

 private:
  enum class Side { client, server };

  boost::asio::awaitable<void> pump(Side from);
  boost::asio::awaitable<void> watchIdle(std::chrono::milliseconds idleTimeout);
  void fail(Side side, const boost::system::error_code& error);
  ByteStream& stream(Side side) { return side == Side::client ? client_ : server_; }

  ByteStream& client_;
  ByteStream& server_;
  BufferPool& buffers_;
  TcpSideMetrics& clientMetrics_;
  TcpSideMetrics& serverMetrics_;
  RelayOutcome outcome_;
  bool failed_ = false;
  std::array<bool, 2> finSent_{};  // indexed by Side: our FIN went out on that socket
  std::uint64_t activity_ = 0;
};

}  // namespace wasmesh::proxy
