#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "wasmesh/proxy/DetectMetrics.h"
#include "wasmesh/proxy/ProtocolDetector.h"

namespace wasmesh::proxy {

// What happened between accept and the start of relaying.
struct DetectOutcome {
  // Set when detection ran and decided; empty when it was not asked for, or when the
  // upstream connect failed first (then there is nothing to decide for).
  std::optional<DetectResult> result;
  Detection detection;
  std::chrono::steady_clock::duration took{};
  // The upstream connect's failure (errc::connect_timeout for the timeout).
  boost::system::error_code connectError;
  // The client socket's failure while detecting (result == error).
  boost::system::error_code clientError;
  // The idle timeout passed with nothing from either side (result == readTimeout): the
  // connection is to be closed, not relayed.
  bool idleExpired = false;
};

// Connects upstream and, at the same time, reads the client's first bytes to find its
// protocol. Connecting eagerly is what lets server-speaks-first protocols work without
// configuration: if the server's bytes arrive before a decision, the answer is
// serverFirst at once instead of a detect timeout (unless they are an HTTP/2 server's
// SETTINGS preface, whose client speaks without waiting for it). Returns when it has both a
// decision and a connected upstream (or a reason why not). The client bytes it read are kept for
// the caller to replay upstream before relaying: nothing is altered or lost.
class DetectingConnector {
 public:
  struct Limits {
    std::chrono::milliseconds connectTimeout;
    std::chrono::milliseconds detectTimeout;
    std::chrono::milliseconds idleTimeout{0};  // 0: none
    std::size_t maxDetectBytes = 8192;
  };

  DetectingConnector(boost::asio::ip::tcp::socket& client, boost::asio::ip::tcp::socket& server,
                     const Limits& limits);

  // `detect` false: only connect (opaque and hinted ports).
  boost::asio::awaitable<DetectOutcome> run(const boost::asio::ip::tcp::endpoint& target,
                                            bool detect);
  // Reads the client's first bytes until a decision without connecting anywhere: when no
  // upstream may be contacted before the client is known (a policy that needs mesh TLS).
  // A server-first protocol cannot be seen this way; its client times out to opaque.
  // `firstByteWait` > 0: a client silent that long is taken for a server-first protocol's
  // and the result is readTimeout with nothing buffered (the caller then connects at once).
  boost::asio::awaitable<DetectOutcome> detectOnly(
      std::chrono::milliseconds firstByteWait = std::chrono::milliseconds(0));

  std::span<const std::uint8_t> bufferedClientBytes() const noexcept {
    return {buffer_.get(), buffered_};
  }
  // Once replayed, the bytes are not needed: a long-lived connection should not keep 8 KiB.
  void releaseBuffer() noexcept {
    buffer_.reset();
    buffered_ = 0;
  }

 private:
  enum class Wake { client, server, timer };

  boost::asio::awaitable<Wake> waitForAny(bool connecting,
                                          std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<Wake> waitForClient(std::chrono::steady_clock::time_point deadline);
  bool serverSentHttp2Preface() const;
  boost::asio::awaitable<void> detectAfterConnectFailure(
      DetectOutcome* outcome, std::chrono::steady_clock::time_point deadline);
  boost::asio::awaitable<boost::system::error_code> finishConnect(
      std::chrono::steady_clock::time_point deadline);
  // Reads what the client sent; returns the result once it decides.
  std::optional<DetectResult> readClient(DetectOutcome& outcome);

  boost::asio::ip::tcp::socket& client_;
  boost::asio::ip::tcp::socket& server_;
  Limits limits_;
  std::unique_ptr<std::uint8_t[]> buffer_;  // allocated when the client first sends
  std::size_t buffered_ = 0;
};

}  // namespace wasmesh::proxy
