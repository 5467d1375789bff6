#include "wasmesh/identity/IdentityStore.h"

namespace wasmesh::identity {
namespace {

// Metrics updates come from the main thread, which owns the registry's last shard.
std::size_t mainShard(const metrics::Registry& registry) {
  return registry.shardCount() - 1;
}

}  // namespace

std::shared_ptr<const MeshTlsContext> IdentitySnapshot::byServerName(
    std::string_view serverName) const {
  for (const auto& context : local_) {
    if (context->identity().serverName == serverName)
      return context;
  }
  return nullptr;
}

std::shared_ptr<const MeshTlsContext> IdentitySnapshot::byId(const SpiffeId& id) const {
  for (const auto& context : local_) {
    if (context->identity().id == id)
      return context;
  }
  return nullptr;
}

IdentityStore::IdentityStore(SpiffeId workload, metrics::Registry& registry)
    : workload_(std::move(workload)), shard_(mainShard(registry)) {
  expiry_ = registry
                .gauge("identity_cert_expiration_timestamp_seconds",
                       "Time when the proxy's current certificate expires, Unix seconds")
                .withLabels({});
  auto& refreshes = registry.counter("identity_cert_refresh_total",
                                     "Certificate refreshes (issuance or reload), by result");
  refreshOk_ = refreshes.withLabels({{"result", "ok"}});
  refreshError_ = refreshes.withLabels({{"result", "error"}});
}

void IdentityStore::install(std::shared_ptr<const MeshTlsContext> context, TrustBundle bundle) {
  auto previous = current();
  std::vector<std::shared_ptr<const MeshTlsContext>> local;
  if (previous) {
    for (const auto& existing : previous->local()) {
      if (!(existing->identity().id == context->identity().id))
        local.push_back(existing);
    }
  }
  if (context->identity().id == workload_) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        context->identity().notAfter().time_since_epoch());
    expiry_.sub(shard_, expiryValue_);
    expiryValue_ = seconds.count();
    expiry_.add(shard_, expiryValue_);
  }
  local.push_back(std::move(context));
  snapshot_.store(std::make_shared<const IdentitySnapshot>(std::move(bundle), std::move(local)),
                  std::memory_order_release);
  refreshOk_.add(shard_);
}

void IdentityStore::recordRefreshFailure() {
  refreshError_.add(shard_);
}

bool IdentityStore::ready(std::chrono::system_clock::time_point now) const {
  const auto snapshot = current();
  if (!snapshot)
    return false;
  const auto own = snapshot->byId(workload_);
  return own && own->identity().notAfter() > now;
}

}  // namespace wasmesh::identity
