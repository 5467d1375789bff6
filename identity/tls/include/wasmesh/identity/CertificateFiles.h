#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "wasmesh/common/Error.h"
#include "wasmesh/common/FileWatcher.h"
#include "wasmesh/identity/IdentityStore.h"

namespace wasmesh::identity {

// identity.cert_file / key_file / trust_anchors: certificates issued elsewhere (cert-manager,
// `wasmesh identity issue`), loaded at start and again whenever a file changes. A set of
// files that does not make a valid identity for the workload (a corrupt or half-written
// file, a key that does not match, a chain the anchors do not trust, someone else's
// identity) is refused as a whole: the previous certificate stays in use, the problem is
// logged and identity_cert_refresh_total{result="error"} counts it.
class CertificateFiles {
 public:
  struct Paths {
    std::string trustAnchors;  // PEM text, or the path of a PEM file
    std::string certFile;      // leaf first, then intermediates
    std::string keyFile;
  };

  CertificateFiles(Paths paths, IdentityStore& store, const boost::asio::any_io_executor& executor,
                   std::chrono::steady_clock::duration pollPeriod = FileWatcher::kDefaultPeriod);

  // Loads the files now; on failure the store is left as it was and the reason returned.
  Result<void> reload();
  // reload(), then watch the files (also when the first load failed: /ready stays 503
  // until a good set appears).
  void start();
  void stop();

 private:
  Paths paths_;
  IdentityStore& store_;
  FileWatcher watcher_;
};

}  // namespace wasmesh::identity
