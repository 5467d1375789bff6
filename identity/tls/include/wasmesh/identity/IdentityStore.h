#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "wasmesh/identity/MeshTlsContext.h"
#include "wasmesh/identity/TrustBundle.h"
#include "wasmesh/metrics/Registry.h"

namespace wasmesh::identity {

// What the data path sees at one moment: the trust bundle and the TLS contexts of every
// local identity (the workload's and, later, its Wasm components'). Immutable; a handshake
// keeps the snapshot it started with.
class IdentitySnapshot {
 public:
  IdentitySnapshot(TrustBundle bundle, std::vector<std::shared_ptr<const MeshTlsContext>> local)
      : bundle_(std::move(bundle)), local_(std::move(local)) {}

  const TrustBundle& bundle() const noexcept { return bundle_; }
  const std::vector<std::shared_ptr<const MeshTlsContext>>& local() const noexcept {
    return local_;
  }
  // Inbound: the identity a ClientHello's SNI names, if it is one of ours.
  std::shared_ptr<const MeshTlsContext> byServerName(std::string_view serverName) const;
  std::shared_ptr<const MeshTlsContext> byId(const SpiffeId& id) const;

 private:
  TrustBundle bundle_;
  std::vector<std::shared_ptr<const MeshTlsContext>> local_;
};

// The current snapshot, swapped whole when a certificate or the trust anchors change: new
// handshakes use the new certificate at once and established connections are untouched.
// Readers on worker threads load it atomically; writers are the sources on the main thread.
// Exports Linkerd's identity_cert_expiration_timestamp_seconds (the workload identity) and
// identity_cert_refresh_total{result}.
class IdentityStore {
 public:
  IdentityStore(SpiffeId workload, metrics::Registry& registry);

  std::shared_ptr<const IdentitySnapshot> current() const {
    return snapshot_.load(std::memory_order_acquire);
  }
  // Installs `context` (replacing the identity's previous one) under `bundle`.
  void install(std::shared_ptr<const MeshTlsContext> context, TrustBundle bundle);
  void recordRefreshFailure();

  const SpiffeId& workload() const noexcept { return workload_; }
  // /ready: the workload's certificate is held and not expired.
  bool ready(std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

 private:
  SpiffeId workload_;
  std::atomic<std::shared_ptr<const IdentitySnapshot>> snapshot_;
  metrics::Gauge expiry_;
  metrics::Counter refreshOk_;
  metrics::Counter refreshError_;
  std::size_t shard_;
  std::int64_t expiryValue_ = 0;  // what the gauge holds, so a swap can replace it
};

}  // namespace wasmesh::identity
