#include "IdentityServeCommand.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "Logging.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/identity/CaCertificateSigner.h"
#include "wasmesh/identity/CertificateAuthority.h"
#include "wasmesh/identity/IdentityServer.h"
#include "wasmesh/identity/PrivateKey.h"
#include "wasmesh/identity/TokenReviewClient.h"
#include "wasmesh/proxy/AdminServer.h"

namespace wasmesh::app {
namespace {

// A usage problem: exit 2 with the message.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The service's own certificate: issued by its CA at start and again at half-life, so
// proxies always find a valid one. New handshakes pick up the replacement.
void presentOwnIdentity(boost::asio::ssl::context& tls,
                        const identity::CertificateAuthority& authority,
                        const identity::SpiffeId& id, std::chrono::seconds lifetime) {
  auto key = identity::PrivateKey::generate();
  if (!key)
    throw std::runtime_error("cannot make a key: " + key.error().message());
  auto issued =
      authority.issueForKey(key->publicKey(), id, lifetime, std::chrono::system_clock::now());
  if (!issued)
    throw std::runtime_error("cannot issue its own certificate: " + issued.error().message());
  SSL_CTX* native = tls.native_handle();
  // SSL_CTX_clear_chain_certs and SSL_CTX_add1_chain_cert are macros over SSL_CTX_ctrl with
  // C casts; called directly here.
  if (SSL_CTX_use_certificate(native, issued->leaf.native()) != 1 ||
      SSL_CTX_ctrl(native, SSL_CTRL_CHAIN, 0, nullptr) != 1 ||
      SSL_CTX_ctrl(native, SSL_CTRL_CHAIN_CERT, 1, issued->chain.at(1).native()) != 1 ||
      SSL_CTX_use_PrivateKey(native, key->native()) != 1) {
    throw std::runtime_error("cannot install its own certificate");
  }
}

std::unique_ptr<identity::TokenAuthenticator> makeAuthenticator(
    const IdentityServeOptions& options) {
  if (!options.tokenFile.empty() && options.kubernetes)
    throw UsageError("--token-file and --kubernetes: choose one way to check tokens");
  if (!options.tokenFile.empty()) {
    return std::make_unique<identity::TokenFileAuthenticator>(
        identity::TokenFile::load(options.tokenFile));
  }
  if (!options.kubernetes)
    throw UsageError("--token-file or --kubernetes is required: how are tokens to be checked?");
  identity::KubernetesApi api;
  try {
    api = identity::kubernetesApiAt(options.kubernetesApi, options.kubernetesCa,
                                    options.kubernetesToken);
  } catch (const std::invalid_argument& error) {
    throw UsageError(error.what());
  }
  if (!options.kubernetesAudience.empty())
    api.audiences = {options.kubernetesAudience};
  return std::make_unique<identity::TokenReviewClient>(std::move(api));
}

}  // namespace

void addIdentityServeOptions(CLI::App& serve, IdentityServeOptions& options) {
  serve.add_option("--ca", options.caDirectory, "Directory with ca.crt, issuer.crt, issuer.key")
      ->required();
  serve.add_option("--listen", options.listen, "Address to serve HTTPS on")->capture_default_str();
  serve.add_option("--id", options.id,
                   "The service's own SPIFFE ID (default spiffe://<td>/ns/wasmesh/sa/identity)");
  serve.add_option("--lifetime", options.lifetime, "Lifetime of issued certificates")
      ->capture_default_str();
  serve.add_option("--admin", options.adminListen, "Address for /metrics, /live and /ready");
  serve.add_option("--token-file", options.tokenFile, "Local mode: YAML tokens file");
  serve.add_flag("--kubernetes", options.kubernetes, "Check tokens with Kubernetes TokenReview");
  serve.add_option("--kubernetes-api", options.kubernetesApi,
                   "host:port of the Kubernetes API (default: the in-cluster service)");
  serve.add_option("--kubernetes-ca", options.kubernetesCa, "CA file of the Kubernetes API")
      ->capture_default_str();
  serve
      .add_option("--kubernetes-token-file", options.kubernetesToken,
                  "The service's own service-account token")
      ->capture_default_str();
  serve
      .add_option("--kubernetes-audience", options.kubernetesAudience,
                  "The audience tokens must be issued for (\"\" accepts any the API server "
                  "takes)")
      ->capture_default_str();
  serve.add_option("--log-level", options.logLevel, "trace, debug, info, warn, error")
      ->capture_default_str();
}

int runIdentityServe(const IdentityServeOptions& options) {
  configureLogging(options.logLevel, proxy::LogFormat::plain);
  try {
    const auto listen = parseSocketAddress(options.listen);
    if (!listen)
      throw UsageError("--listen: \"" + options.listen + "\" " + listen.error().message());
    const auto lifetime = parseDuration(options.lifetime);
    if (!lifetime || lifetime->count() < 60'000)
      throw UsageError("--lifetime: \"" + options.lifetime + "\" is not a duration of 1m or more");
    const auto lifetimeSeconds = std::chrono::duration_cast<std::chrono::seconds>(*lifetime);
    const auto authority = identity::CertificateAuthority::load(options.caDirectory);
    const auto id = options.id.empty() ? identity::SpiffeId::workload(authority.trustDomain(),
                                                                      "wasmesh", "identity")
                                       : identity::SpiffeId::parse(options.id);
    if (!id || id->trustDomain() != authority.trustDomain() || !id->serverName())
      throw UsageError("--id: \"" + options.id + "\" is not a workload identity in trust domain " +
                       authority.trustDomain());
    auto authenticator = makeAuthenticator(options);

    boost::asio::io_context context{1};
    boost::asio::ssl::context tls{boost::asio::ssl::context::tls_server};
    if (SSL_CTX_ctrl(tls.native_handle(), SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_3_VERSION,
                     nullptr) != 1)
      throw std::runtime_error("cannot require TLS 1.3");
    presentOwnIdentity(tls, authority, *id, lifetimeSeconds);

    metrics::Registry registry{1};
    identity::CaCertificateSigner signer(authority, lifetimeSeconds);
    identity::IdentityServer server(context, tls, *authenticator, signer, authority.trustDomain(),
                                    registry);
    const auto bound = server.listen(*listen);
    if (!bound)
      throw std::runtime_error("--listen " + options.listen + ": " + bound.error().message());

    std::optional<proxy::AdminServer> admin;
    if (!options.adminListen.empty()) {
      const auto adminAddress = parseSocketAddress(options.adminListen);
      if (!adminAddress)
        throw UsageError("--admin: \"" + options.adminListen + "\" " +
                         adminAddress.error().message());
      admin.emplace(context, registry, proxy::AdminServer::Hooks{[] { return true; }, [] {}});
      const auto adminBound = admin->listen(*adminAddress);
      if (!adminBound)
        throw std::runtime_error("--admin " + options.adminListen + ": " +
                                 adminBound.error().message());
      spdlog::info("admin listening on {}", formatSocketAddress(*adminBound));
    }

    boost::asio::steady_timer renew(context);
    std::function<void()> scheduleRenewal = [&] {
      renew.expires_after(lifetimeSeconds / 2);
      renew.async_wait([&](const boost::system::error_code& error) {
        if (error)
          return;
        try {
          presentOwnIdentity(tls, authority, *id, lifetimeSeconds);
          spdlog::info("identity service: renewed its own certificate");
        } catch (const std::exception& failure) {
          // Keep serving with the current certificate; it is valid for another half-life.
          spdlog::error("identity service: cannot renew its own certificate: {}", failure.what());
        }
        scheduleRenewal();
      });
    };
    scheduleRenewal();
    boost::asio::signal_set signals(context, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code&, int) {
      server.close();
      if (admin)
        admin->close();
      renew.cancel();
      context.stop();
    });
    spdlog::info("identity service listening on {} (trust domain {}, id {})",
                 formatSocketAddress(*bound), authority.trustDomain(), id->toString());
    context.run();
    return 0;
  } catch (const UsageError& error) {
    std::cerr << "wasmesh identity serve: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "wasmesh identity serve: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace wasmesh::app
