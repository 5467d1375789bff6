#include "wasmesh/identity/IdentityServiceClient.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/identity/CertificateApi.h"
#include "wasmesh/identity/CertificateSigningRequest.h"
#include "wasmesh/identity/TrustAnchors.h"

namespace wasmesh::identity {
namespace {

namespace http = boost::beast::http;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr auto kRequestTimeout = std::chrono::seconds(10);
constexpr auto kFirstBackoff = std::chrono::milliseconds(1000);
constexpr auto kMaxBackoff = std::chrono::milliseconds(60'000);
constexpr std::uint64_t kMaxResponseBytes = std::uint64_t{64} * 1024;

// A TLS 1.3 client context trusting the bundle's anchors.
Result<std::unique_ptr<boost::asio::ssl::context>> clientContext(const TrustBundle& bundle) {
  auto context = std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  auto store = bundle.newStore();
  if (!store ||
      SSL_CTX_ctrl(native, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_3_VERSION, nullptr) != 1) {
    return errc::untrusted_certificate;
  }
  SSL_CTX_set_cert_store(native, store->release());
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return context;
}

}  // namespace

IdentityServiceClient::IdentityServiceClient(Settings settings, IdentityStore& store,
                                             const boost::asio::any_io_executor& executor)
    : settings_(std::move(settings)),
      store_(store),
      executor_(executor),
      timer_(executor),
      random_(std::random_device{}()) {}

IdentityServiceClient::~IdentityServiceClient() {
  stop();
}

void IdentityServiceClient::start() {
  *stopped_ = false;
  boost::asio::co_spawn(executor_, run(), boost::asio::detached);
}

void IdentityServiceClient::stop() {
  *stopped_ = true;
  timer_.cancel();
}

std::chrono::milliseconds IdentityServiceClient::jittered(std::chrono::milliseconds base,
                                                          double spread) {
  std::uniform_real_distribution<double> factor(1.0 - spread, 1.0 + spread);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(static_cast<double>(base.count()) * factor(random_)));
}

boost::asio::awaitable<void> IdentityServiceClient::run() {
  // The flag outlives this object's members only through the shared_ptr: a stopped client
  // may be destroyed while this coroutine is suspended on the timer.
  const auto stopped = stopped_;
  auto backoff = kFirstBackoff;
  while (!*stopped) {
    const auto refreshed = co_await refreshOnce();
    if (*stopped)
      co_return;
    std::chrono::milliseconds wait;
    if (refreshed) {
      backoff = kFirstBackoff;
      const auto own = store_.current()->byId(store_.workload());
      const auto lifetime = own->identity().notAfter() - own->identity().chain.front().notBefore();
      wait = jittered(std::chrono::duration_cast<std::chrono::milliseconds>(lifetime / 2), 0.1);
      spdlog::debug("identity: next refresh in {}", formatDuration(wait));
    } else {
      wait = jittered(backoff, 0.25);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
    timer_.expires_after(wait);
    auto [error] = co_await timer_.async_wait(kNoThrow);
    if (error)
      co_return;
  }
}

boost::asio::awaitable<Result<void>> IdentityServiceClient::refreshOnce() {
  const auto stopped = stopped_;
  const auto fail = [&](const std::string& step, const boost::system::error_code& error) {
    if (!*stopped) {
      spdlog::warn("identity: certificate from {} failed: {}: {}",
                   formatHostPort(settings_.service), step, error.message());
      store_.recordRefreshFailure();
    }
    return Result<void>(error);
  };
  auto bundle = loadTrustAnchors(settings_.trustAnchors);
  if (!bundle)
    co_return fail("identity.trust_anchors", bundle.error());
  auto token = readTokenFile(settings_.tokenFile);
  if (!token)
    co_return fail("identity.token_file " + settings_.tokenFile, token.error());
  auto key = PrivateKey::generate();
  if (!key)
    co_return fail("key", key.error());
  auto csr = CertificateSigningRequest::create(*key, store_.workload());
  if (!csr)
    co_return fail("CSR", csr.error());
  auto csrPem = csr->toPem();
  if (!csrPem)
    co_return fail("CSR", csrPem.error());
  auto tls = clientContext(*bundle);
  if (!tls)
    co_return fail("TLS", tls.error());
  auto serviceName = settings_.serviceId.serverName();
  if (!serviceName)
    co_return fail("service identity", serviceName.error());

  boost::beast::ssl_stream<boost::beast::tcp_stream> stream(executor_, **tls);
  if (SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               serviceName->data()) != 1) {
    co_return fail("TLS", make_error_code(errc::untrusted_certificate));
  }
  auto& tcp = boost::beast::get_lowest_layer(stream);
  tcp.expires_after(kRequestTimeout);
  boost::asio::ip::tcp::resolver resolver(executor_);
  auto [resolveError, addresses] = co_await resolver.async_resolve(
      settings_.service.host, std::to_string(settings_.service.port),
      boost::asio::ip::tcp::resolver::numeric_service, kNoThrow);
  if (resolveError)
    co_return fail("resolve " + settings_.service.host, resolveError);
  auto [connectError, connected] = co_await tcp.async_connect(addresses, kNoThrow);
  if (connectError)
    co_return fail("connect", connectError);
  auto [handshakeError] =
      co_await stream.async_handshake(boost::asio::ssl::stream_base::client, kNoThrow);
  if (handshakeError)
    co_return fail("TLS handshake", handshakeError);
  // The chain was verified against the anchors; the service must also be the right one.
  if (auto peer = expectPeerIdentity(stream.native_handle(), settings_.serviceId); !peer)
    co_return fail("service identity", peer.error());

  http::request<http::string_body> request{http::verb::post, "/v1/certificates", 11};
  request.set(http::field::host, *serviceName);
  request.set(http::field::authorization, "Bearer " + *token);
  request.set(http::field::content_type, "application/json");
  request.body() = certificateRequestBody({store_.workload().toString(), *csrPem});
  request.prepare_payload();
  auto [writeError, written] = co_await http::async_write(stream, request, kNoThrow);
  if (writeError)
    co_return fail("request", writeError);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  auto [readError, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  if (readError)
    co_return fail("response", readError);
  if (parser.get().result_int() != 200) {
    spdlog::warn("identity: the identity service answered {}: {}", parser.get().result_int(),
                 parser.get().body());
    co_return fail("response", make_error_code(errc::invalid_certificate_request));
  }
  auto response = parseCertificateResponse(parser.get().body());
  if (!response)
    co_return fail("response", response.error());
  auto chain = parsePemChain(response->certificatePem + response->chainPem);
  if (!chain)
    co_return fail("certificate", chain.error());
  auto certified = CertifiedKey::make(std::move(*key), std::move(*chain), *bundle,
                                      std::chrono::system_clock::now());
  if (!certified)
    co_return fail("certificate", certified.error());
  if (!(certified->id == store_.workload()))
    co_return fail("certificate", make_error_code(errc::identity_mismatch));
  const auto serial = certified->serialHex();
  auto context = MeshTlsContext::make(std::move(*certified), *bundle);
  if (!context)
    co_return fail("TLS context", context.error());
  if (*stopped)
    co_return Result<void>{};
  store_.install(std::move(*context), std::move(*bundle));
  spdlog::info("identity: {} certificate serial {} from the identity service, expires {}",
               store_.workload().toString(), serial, formatRfc3339(response->expiry));
  tcp.expires_after(kRequestTimeout);
  co_await stream.async_shutdown(kNoThrow);
  co_return Result<void>{};
}

}  // namespace wasmesh::identity
