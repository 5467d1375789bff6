#include "wasmesh/wasm/proxywasm/SharedDataStore.h"

namespace wasmesh::wasm::proxywasm {

std::optional<SharedDataStore::Entry> SharedDataStore::get(std::string_view key) const {
  const std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end())
    return std::nullopt;
  return found->second;
}

Status SharedDataStore::set(std::string_view key, std::string_view value, std::uint32_t cas) {
  if (key.size() > kMaxKeyBytes || value.size() > kMaxValueBytes)
    return Status::bad_argument;
  const std::lock_guard lock(mutex_);
  auto found = entries_.find(key);
  if (found == entries_.end()) {
    if (entries_.size() >= kMaxEntries)
      return Status::bad_argument;
    found = entries_.emplace(std::string(key), Entry{}).first;
  } else if (cas != 0 && cas != found->second.cas) {
    return Status::cas_mismatch;
  }
  found->second.value.assign(value);
  found->second.cas = nextCas_++;
  if (nextCas_ == 0)
    nextCas_ = 1;  // 0 means "no CAS" to the guest, so it is never handed out
  return Status::ok;
}

std::size_t SharedDataStore::size() const {
  const std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace wasmesh::wasm::proxywasm
