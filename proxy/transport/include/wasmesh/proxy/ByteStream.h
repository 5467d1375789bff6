#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wasmesh::proxy {

// One end of a relayed connection as the relay sees it: plain TCP or TLS over TCP. Reads
// are non-blocking attempts followed by a wait, so an idle connection holds no buffer
// (the relay borrows one from the worker's pool only when bytes are there).
class ByteStream {
 public:
  virtual ~ByteStream() = default;

  // Reads what is available now. `would_block` when nothing is (then waitToRead), `eof` at
  // the peer's orderly end of its sending side.
  virtual std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) = 0;
  // Completes when readSome may make progress (or the socket failed or was closed).
  virtual boost::asio::awaitable<boost::system::error_code> waitToRead() = 0;
  // Writes all of `bytes`, or fails.
  virtual boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) = 0;
  // Writes `parts` one after the other as if they were one buffer: a plain socket gathers
  // them into one send, so a small head before a large body costs neither a copy of the body
  // nor a second packet. At most kMaxGathered parts.
  static constexpr std::size_t kMaxGathered = 4;
  virtual boost::asio::awaitable<boost::system::error_code> writeGathered(
      std::span<const std::span<const std::uint8_t>> parts);
  // Ends this side's sending half, keeping the receiving half open (a half-close).
  virtual boost::asio::awaitable<void> shutdownSend() = 0;

  // The TCP connection underneath: for resets, closes and TCP state.
  virtual boost::asio::ip::tcp::socket& socket() noexcept = 0;
};

}  // namespace wasmesh::proxy
