#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/ByteStream.h"

namespace wasmesh::proxy {

// Why a handshake failed, in the terms the metrics and logs use.
struct TlsFailure {
  boost::system::error_code error;  // errc::certificate_expired, tls_handshake_failed, ...
  // Static text: the `error` label of <direction>_tcp_errors_total, e.g. "tls_untrusted".
  std::string_view label;
  std::string detail;  // OpenSSL's words, for the log
};

// TLS over a non-blocking TCP socket the caller owns, driven by readiness (the nghttpx
// pattern): OpenSSL reads and writes the socket itself and, when it would block, the
// coroutine waits for the readiness OpenSSL asked for. It keeps no buffers of its own, and
// OpenSSL releases its record buffers while idle, so a quiet connection costs little.
// One SSL may be read by one coroutine and written by another on the same thread.
class TlsStream final : public ByteStream {
 public:
  enum class Role { client, server };

  // `serverName`: the SNI to send (client only). `prefix`: bytes already read from the
  // socket, such as a ClientHello that detection consumed, which the handshake sees first.
  static Result<std::unique_ptr<TlsStream>> make(boost::asio::ip::tcp::socket& socket,
                                                 SSL_CTX* context, Role role,
                                                 const std::string& serverName = {},
                                                 std::span<const std::uint8_t> prefix = {});
  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Runs the handshake until done, failed, or `deadline`. Empty on success.
  boost::asio::awaitable<std::optional<TlsFailure>> handshake(
      std::chrono::steady_clock::time_point deadline);

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override;
  boost::asio::awaitable<boost::system::error_code> waitToRead() override;
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override;
  // Sends close_notify, then FIN: TLS 1.3 lets the other direction go on (a half-close).
  boost::asio::awaitable<void> shutdownSend() override;
  boost::asio::ip::tcp::socket& socket() noexcept override { return socket_; }

  const SSL* native() const noexcept { return ssl_.get(); }
  std::string_view negotiatedAlpn() const;

 private:
  struct SslFree {
    void operator()(SSL* ssl) const noexcept { SSL_free(ssl); }
  };
  enum class Want { read, write };

  TlsStream(boost::asio::ip::tcp::socket& socket, std::unique_ptr<SSL, SslFree> ssl,
            bool prefixPending)
      : socket_(socket), ssl_(std::move(ssl)), prefixPending_(prefixPending) {}

  // Once the handshake has consumed the prefix, OpenSSL reads the socket directly.
  bool switchToSocketIfPrefixDrained();
  boost::asio::awaitable<boost::system::error_code> waitFor(Want want);
  TlsFailure describeHandshakeFailure(int sslError) const;
  boost::system::error_code ioError(int sslError) const;

  boost::asio::ip::tcp::socket& socket_;
  std::unique_ptr<SSL, SslFree> ssl_;
  bool prefixPending_ = false;
  Want readWants_ = Want::read;  // what the last read attempt was blocked on
};

}  // namespace wasmesh::proxy
