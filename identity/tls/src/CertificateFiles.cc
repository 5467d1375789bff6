#include "wasmesh/identity/CertificateFiles.h"

#include <spdlog/spdlog.h>

#include "wasmesh/identity/TrustAnchors.h"

namespace wasmesh::identity {
namespace {

std::vector<std::string> watchedPaths(const CertificateFiles::Paths& paths) {
  std::vector<std::string> watched = {paths.certFile, paths.keyFile};
  if (!isInlinePem(paths.trustAnchors))
    watched.push_back(paths.trustAnchors);
  return watched;
}

}  // namespace

CertificateFiles::CertificateFiles(Paths paths, IdentityStore& store,
                                   const boost::asio::any_io_executor& executor,
                                   std::chrono::steady_clock::duration pollPeriod)
    : paths_(std::move(paths)),
      store_(store),
      watcher_(
          executor, watchedPaths(paths_),
          [this](const std::vector<std::string>& changed) {
            spdlog::info("identity: {} changed, reloading", changed.front());
            static_cast<void>(reload());
          },
          pollPeriod) {}

Result<void> CertificateFiles::reload() {
  const auto refuse = [&](const std::string& what, const boost::system::error_code& error) {
    spdlog::warn("identity: keeping the current certificate: {}: {}", what, error.message());
    store_.recordRefreshFailure();
    return Result<void>(error);
  };
  auto bundle = loadTrustAnchors(paths_.trustAnchors);
  if (!bundle)
    return refuse("identity.trust_anchors", bundle.error());
  auto certText = readSmallFile(paths_.certFile);
  if (!certText)
    return refuse("identity.cert_file " + paths_.certFile, certText.error());
  auto chain = parsePemChain(*certText);
  if (!chain)
    return refuse("identity.cert_file " + paths_.certFile, chain.error());
  auto keyText = readSmallFile(paths_.keyFile);
  if (!keyText)
    return refuse("identity.key_file " + paths_.keyFile, keyText.error());
  auto key = PrivateKey::fromPem(*keyText);
  if (!key)
    return refuse("identity.key_file " + paths_.keyFile, key.error());
  auto certified = CertifiedKey::make(std::move(*key), std::move(*chain), *bundle,
                                      std::chrono::system_clock::now());
  if (!certified)
    return refuse("identity.cert_file " + paths_.certFile, certified.error());
  if (!(certified->id == store_.workload())) {
    return refuse("identity.cert_file " + paths_.certFile + " is for " + certified->id.toString(),
                  make_error_code(errc::identity_mismatch));
  }
  const auto serial = certified->serialHex();
  const auto id = certified->id.toString();
  auto context = MeshTlsContext::make(std::move(*certified), *bundle);
  if (!context)
    return refuse("identity: TLS context", context.error());
  store_.install(std::move(*context), std::move(*bundle));
  spdlog::info("identity: {} certificate serial {} in use", id, serial);
  return {};
}

void CertificateFiles::start() {
  static_cast<void>(reload());
  watcher_.start();
}

void CertificateFiles::stop() {
  watcher_.stop();
}

}  // namespace wasmesh::identity
