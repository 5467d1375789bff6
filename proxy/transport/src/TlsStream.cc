#include "wasmesh/proxy/TlsStream.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);

// Partial writes let a large relay chunk go out as the socket drains; a moving buffer lets
// a retry after WANT_WRITE come from wherever the caller keeps the bytes.
constexpr long kSslModes =  // NOLINT(google-runtime-int): OpenSSL's type
    SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;

std::string openSslErrorText(unsigned long code) {  // NOLINT(google-runtime-int)
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  return text.data();
}

TlsFailure verifyFailure(long verifyResult) {  // NOLINT(google-runtime-int)
  std::string detail = X509_verify_cert_error_string(verifyResult);
  switch (verifyResult) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return {make_error_code(errc::certificate_expired), "tls_certificate_expired",
              std::move(detail)};
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return {make_error_code(errc::certificate_not_yet_valid), "tls_certificate_not_yet_valid",
              std::move(detail)};
    default:
      return {make_error_code(errc::untrusted_certificate), "tls_untrusted_certificate",
              std::move(detail)};
  }
}

}  // namespace

Result<std::unique_ptr<TlsStream>> TlsStream::make(boost::asio::ip::tcp::socket& socket,
                                                   SSL_CTX* context, Role role,
                                                   const std::string& serverName,
                                                   std::span<const std::uint8_t> prefix) {
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(context));
  if (!ssl)
    return errc::tls_handshake_failed;
  SSL_ctrl(ssl.get(), SSL_CTRL_MODE, kSslModes, nullptr);
  const int descriptor = socket.native_handle();
  if (prefix.empty()) {
    if (SSL_set_fd(ssl.get(), descriptor) != 1)
      return errc::tls_handshake_failed;
  } else {
    // The prefix is served from memory; at its end the BIO reports "retry" rather than EOF,
    // which is the moment to hand OpenSSL the socket (switchToSocketIfPrefixDrained).
    BIO* prefixBio = BIO_new(BIO_s_mem());
    BIO* socketBio = BIO_new_socket(descriptor, BIO_NOCLOSE);
    if (prefixBio == nullptr || socketBio == nullptr ||
        BIO_write(prefixBio, prefix.data(), static_cast<int>(prefix.size())) !=
            static_cast<int>(prefix.size())) {
      BIO_free(prefixBio);
      BIO_free(socketBio);
      return errc::tls_handshake_failed;
    }
    BIO_ctrl(prefixBio, BIO_C_SET_BUF_MEM_EOF_RETURN, -1, nullptr);
    SSL_set_bio(ssl.get(), prefixBio, socketBio);  // the SSL owns both now
  }
  if (role == Role::client) {
    SSL_set_connect_state(ssl.get());
    if (!serverName.empty() &&
        SSL_ctrl(ssl.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(serverName.c_str())) != 1) {  // NOLINT: OpenSSL's API
      return errc::tls_handshake_failed;
    }
  } else {
    SSL_set_accept_state(ssl.get());
  }
  if (!socket.non_blocking()) {  // see PlainStream: asio would ioctl again
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
  }
  return std::unique_ptr<TlsStream>(new TlsStream(socket, std::move(ssl), !prefix.empty()));
}

TlsStream::~TlsStream() = default;

bool TlsStream::switchToSocketIfPrefixDrained() {
  if (!prefixPending_ || BIO_ctrl_pending(SSL_get_rbio(ssl_.get())) != 0)
    return false;
  BIO* socketBio = BIO_new_socket(socket_.native_handle(), BIO_NOCLOSE);
  if (socketBio == nullptr)
    return false;
  SSL_set0_rbio(ssl_.get(), socketBio);  // frees the drained memory BIO
  prefixPending_ = false;
  return true;
}

boost::asio::awaitable<boost::system::error_code> TlsStream::waitFor(Want want) {
  auto [error] =
      co_await socket_.async_wait(want == Want::read ? boost::asio::socket_base::wait_read
                                                     : boost::asio::socket_base::wait_write,
                                  kNoThrow);
  co_return error;
}

TlsFailure TlsStream::describeHandshakeFailure(int sslError) const {
  // The peer's certificate, checked by us, is the most useful explanation when it failed.
  if (const auto verifyResult = SSL_get_verify_result(ssl_.get()); verifyResult != X509_V_OK)
    return verifyFailure(verifyResult);
  TlsFailure failure{make_error_code(errc::tls_handshake_failed), "tls_handshake_failed", {}};
  const auto code = ERR_peek_error();
  if (code != 0) {
    failure.detail = openSslErrorText(code);
    switch (ERR_GET_REASON(code)) {
      case SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE:
      case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
        failure.label = "tls_no_client_certificate";
        break;
      case SSL_R_UNSUPPORTED_PROTOCOL:
        failure.label = "tls_unsupported_version";
        break;
      default:
        break;
    }
  } else if (sslError == SSL_ERROR_SYSCALL) {
    failure.detail = errno != 0
                         ? std::string(std::strerror(errno))  // NOLINT(concurrency-mt-unsafe)
                         : "the peer closed the connection during the handshake";
  } else {
    failure.detail = "SSL error " + std::to_string(sslError);
  }
  return failure;
}

boost::asio::awaitable<std::optional<TlsFailure>> TlsStream::handshake(
    std::chrono::steady_clock::time_point deadline) {
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer timer(socket_.get_executor(), deadline);
  while (true) {
    ERR_clear_error();
    errno = 0;
    const int done = SSL_do_handshake(ssl_.get());
    if (done == 1)
      co_return std::nullopt;
    const int sslError = SSL_get_error(ssl_.get(), done);
    if (sslError != SSL_ERROR_WANT_READ && sslError != SSL_ERROR_WANT_WRITE) {
      auto failure = describeHandshakeFailure(sslError);
      ERR_clear_error();
      co_return failure;
    }
    if (sslError == SSL_ERROR_WANT_READ && switchToSocketIfPrefixDrained())
      continue;
    const auto event = sslError == SSL_ERROR_WANT_READ ? boost::asio::socket_base::wait_read
                                                       : boost::asio::socket_base::wait_write;
    auto woken = co_await (socket_.async_wait(event, kNoThrow) || timer.async_wait(kNoThrow));
    if (woken.index() == 1) {
      co_return TlsFailure{make_error_code(errc::tls_handshake_timeout), "tls_handshake_timeout",
                           "no handshake within the deadline"};
    }
    if (const auto [waitError] = std::get<0>(woken); waitError) {
      co_return TlsFailure{waitError, "tls_handshake_failed", waitError.message()};
    }
  }
}

boost::system::error_code TlsStream::ioError(int sslError) const {
  if (sslError == SSL_ERROR_ZERO_RETURN)
    return boost::asio::error::eof;  // close_notify: the orderly end
  if (sslError == SSL_ERROR_SYSCALL && errno != 0)
    return {errno, boost::system::system_category()};
  const auto code = ERR_peek_error();
  // A TCP end without close_notify could be a truncation: treat it as the failure it may be.
  if (code == 0 || ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
    return boost::asio::error::connection_reset;
  return {EPROTO, boost::system::system_category()};
}

std::size_t TlsStream::readSome(std::span<std::uint8_t> into, boost::system::error_code& error) {
  ERR_clear_error();
  errno = 0;
  std::size_t count = 0;
  if (SSL_read_ex(ssl_.get(), into.data(), into.size(), &count) == 1) {
    error.clear();
    return count;
  }
  const int sslError = SSL_get_error(ssl_.get(), 0);
  if (sslError == SSL_ERROR_WANT_READ || sslError == SSL_ERROR_WANT_WRITE) {
    readWants_ = sslError == SSL_ERROR_WANT_READ ? Want::read : Want::write;
    error = boost::asio::error::would_block;
    return 0;
  }
  error = ioError(sslError);
  ERR_clear_error();
  return 0;
}

boost::asio::awaitable<boost::system::error_code> TlsStream::waitToRead() {
  co_return co_await waitFor(readWants_);
}

boost::asio::awaitable<boost::system::error_code> TlsStream::writeAll(
    std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    ERR_clear_error();
    errno = 0;
    std::size_t written = 0;
    if (SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written) == 1) {
      bytes = bytes.subspan(written);
      continue;
    }
    const int sslError = SSL_get_error(ssl_.get(), 0);
    if (sslError != SSL_ERROR_WANT_READ && sslError != SSL_ERROR_WANT_WRITE) {
      auto error = ioError(sslError);
      ERR_clear_error();
      co_return error;
    }
    if (auto waitError =
            co_await waitFor(sslError == SSL_ERROR_WANT_READ ? Want::read : Want::write))
      co_return waitError;
  }
  co_return boost::system::error_code{};
}

boost::asio::awaitable<void> TlsStream::shutdownSend() {
  while (true) {
    ERR_clear_error();
    const int result = SSL_shutdown(ssl_.get());
    if (result >= 0)
      break;  // close_notify is out (0: the peer's has not arrived, which is fine)
    // Only a full socket is worth waiting for; otherwise the FIN below still ends the stream.
    if (SSL_get_error(ssl_.get(), result) != SSL_ERROR_WANT_WRITE)
      break;
    if (co_await waitFor(Want::write))
      break;
  }
  ERR_clear_error();
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::socket_base::shutdown_send, ignored);
}

std::string_view TlsStream::negotiatedAlpn() const {
  const unsigned char* data = nullptr;
  unsigned int length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &data, &length);
  if (data == nullptr)
    return {};
  return {reinterpret_cast<const char*>(data), length};  // NOLINT: OpenSSL hands out bytes
}

}  // namespace wasmesh::proxy
