#include "InjectorServeCommand.h"

#include <openssl/ssl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "Logging.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/deploy/WebhookServer.h"
#include "wasmesh/identity/Certificate.h"
#include "wasmesh/identity/SpiffeId.h"
#include "wasmesh/proxy/AdminServer.h"

namespace wasmesh::app {
namespace {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The trust anchors ConfigMap as mounted: read again when the file changes (Kubernetes
// swaps a symlink; stat() follows it), so new pods get rotated anchors without a restart.
// A file that becomes unreadable or invalid keeps the last good anchors, with a warning.
class TrustAnchorsFile {
 public:
  TrustAnchorsFile(std::string path, deploy::InjectorOptions options)
      : path_(std::move(path)), options_(std::move(options)) {
    auto loaded = load();
    if (!loaded)
      throw std::runtime_error("--trust-anchors: " + loaded.error());
  }

  deploy::Checked<std::shared_ptr<const deploy::Injector>> current() {
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0 &&
        (info.st_ino != inode_ || info.st_size != size_ || info.st_mtim.tv_sec != mtime_ ||
         info.st_mtim.tv_nsec != mtimeNanoseconds_)) {
      if (auto reloaded = load(); !reloaded)
        spdlog::warn("injector: keeping the trust anchors in use: {}", reloaded.error());
      else
        spdlog::info("injector: trust anchors reloaded from {}", path_);
    }
    return injector_;
  }

 private:
  deploy::Checked<void> load() {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0)
      return deploy::refusal(path_ + ": cannot read");
    std::ifstream file(path_, std::ios::binary);
    std::string text(identity::Certificate::kMaxPemBytes + 1, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(file.gcount()));
    // Remember this version either way, so a bad file is reported once, not per pod.
    inode_ = info.st_ino;
    size_ = info.st_size;
    mtime_ = info.st_mtim.tv_sec;
    mtimeNanoseconds_ = info.st_mtim.tv_nsec;
    if (!file.eof() && text.size() > identity::Certificate::kMaxPemBytes)
      return deploy::refusal(path_ + ": larger than 64 KiB");
    const auto chain = identity::parsePemChain(text);
    if (!chain || chain->empty())
      return deploy::refusal(path_ + ": not PEM certificates");
    auto options = options_;
    options.trustAnchorsPem = std::move(text);
    injector_ = std::make_shared<const deploy::Injector>(std::move(options));
    return {};
  }

  std::string path_;
  deploy::InjectorOptions options_;
  std::shared_ptr<const deploy::Injector> injector_;
  ino_t inode_ = 0;
  off_t size_ = -1;
  time_t mtime_ = 0;
  long mtimeNanoseconds_ = 0;
};

// TLS 1.3, and 1.2 with forward-secret AEAD suites only: what the API server's Go client
// offers.
void configureTls(boost::asio::ssl::context& tls, const InjectorServeOptions& options) {
  SSL_CTX* native = tls.native_handle();
  if (SSL_CTX_ctrl(native, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, nullptr) != 1 ||
      SSL_CTX_set_cipher_list(native,
                              "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                              "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                              "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1)
    throw std::runtime_error("cannot configure TLS");
  if (SSL_CTX_use_certificate_chain_file(native, options.tlsCert.c_str()) != 1)
    throw std::runtime_error("--tls-cert: cannot load \"" + options.tlsCert +
                             "\" (PEM certificate chain)");
  if (SSL_CTX_use_PrivateKey_file(native, options.tlsKey.c_str(), SSL_FILETYPE_PEM) != 1)
    throw std::runtime_error("--tls-key: cannot load \"" + options.tlsKey + "\" (PEM key)");
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("--tls-key: \"" + options.tlsKey + "\" is not the key of --tls-cert");
}

}  // namespace

void addInjectorServeOptions(CLI::App& serve, InjectorServeOptions& options) {
  serve.add_option("--listen", options.listen, "HTTPS address of the webhook")
      ->capture_default_str();
  serve.add_option("--admin", options.adminListen, "Address for /metrics, /live and /ready");
  serve.add_option("--tls-cert", options.tlsCert, "The webhook's certificate chain (PEM)")
      ->required();
  serve.add_option("--tls-key", options.tlsKey, "Its private key (PEM)")->required();
  serve
      .add_option("--trust-anchors", options.trustAnchorsFile,
                  "PEM trust anchors written into every proxy; read again when it changes")
      ->required();
  serve.add_option("--trust-domain", options.injector.trustDomain, "The mesh's trust domain")
      ->capture_default_str();
  serve
      .add_option("--identity-service", options.injector.identityService,
                  "host:port of the identity service, as the proxies reach it")
      ->capture_default_str();
  serve.add_option("--proxy-image", options.injector.image, "The proxy's image, without tag")
      ->capture_default_str();
  serve.add_option("--proxy-version", options.injector.version,
                   "The proxy image's tag (default: this wasmesh's version)");
  serve.add_flag("--no-init", options.injector.noInit,
                 "No init container: a CNI plugin writes the iptables rules");
  serve.add_option("--kubernetes-api", options.kubernetesApi,
                   "host:port of the Kubernetes API (default: the in-cluster service)");
  serve.add_option("--kubernetes-ca", options.kubernetesCa, "CA file of the Kubernetes API")
      ->capture_default_str();
  serve
      .add_option("--kubernetes-token-file", options.kubernetesToken,
                  "The injector's own service-account token")
      ->capture_default_str();
  serve.add_option("--log-level", options.logLevel, "trace, debug, info, warn, error")
      ->capture_default_str();
}

int runInjectorServe(const InjectorServeOptions& options) {
  configureLogging(options.logLevel, proxy::LogFormat::plain);
  try {
    const auto listen = parseSocketAddress(options.listen);
    if (!listen)
      throw UsageError("--listen: \"" + options.listen + "\" " + listen.error().message());
    const auto domain = identity::SpiffeId::parse("spiffe://" + options.injector.trustDomain);
    if (!domain || !domain->segments().empty())
      throw UsageError("--trust-domain: \"" + options.injector.trustDomain +
                       "\" is not a trust domain");
    if (!parseHostPort(options.injector.identityService))
      throw UsageError("--identity-service: \"" + options.injector.identityService +
                       "\" is not host:port");
    identity::KubernetesApi api;
    try {
      api = identity::kubernetesApiAt(options.kubernetesApi, options.kubernetesCa,
                                      options.kubernetesToken);
    } catch (const std::invalid_argument& error) {
      throw UsageError(error.what());
    }
    auto injectorOptions = options.injector;
    injectorOptions.createdBy = "wasmesh/injector";
    TrustAnchorsFile anchors(options.trustAnchorsFile, injectorOptions);

    boost::asio::io_context context{1};
    boost::asio::ssl::context tls{boost::asio::ssl::context::tls_server};
    configureTls(tls, options);
    deploy::KubernetesNamespaces namespaces(std::move(api));
    metrics::Registry registry{1};
    deploy::WebhookServer server(
        context, tls, [&anchors] { return anchors.current(); }, namespaces, registry);
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
    boost::asio::signal_set signals(context, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code&, int) {
      server.close();
      if (admin)
        admin->close();
      context.stop();
    });
    spdlog::info("injector listening on {} (trust domain {}, proxy {}:{})",
                 formatSocketAddress(*bound), options.injector.trustDomain, options.injector.image,
                 options.injector.version.empty() ? std::string(deploy::wasmeshVersion())
                                                  : options.injector.version);
    context.run();
    return 0;
  } catch (const UsageError& error) {
    std::cerr << "wasmesh injector serve: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "wasmesh injector serve: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace wasmesh::app
