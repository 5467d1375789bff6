#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "wasmesh/wasm/proxywasm/Abi.h"

namespace wasmesh::wasm::proxywasm {

// proxy_get_shared_data / proxy_set_shared_data: a key-value store shared by the VMs of one
// group (one per worker thread, so it is locked), with compare-and-swap. Every set gives the
// entry a new CAS token; a set with a nonzero CAS succeeds only while the entry still has that
// token. The owner creates one per VM group and hands it to each VM: no global state.
class SharedDataStore {
 public:
  struct Entry {
    std::string value;
    std::uint32_t cas = 0;
  };

  // Bounds on what guests may store (checked before anything is copied).
  static constexpr std::size_t kMaxKeyBytes = 4096;
  static constexpr std::size_t kMaxValueBytes = std::size_t{1024} * 1024;
  static constexpr std::size_t kMaxEntries = 4096;

  std::optional<Entry> get(std::string_view key) const;
  // ok, cas_mismatch, or bad_argument (a key or value over its bound, too many entries).
  Status set(std::string_view key, std::string_view value, std::uint32_t cas);
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
  std::uint32_t nextCas_ = 1;
};

}  // namespace wasmesh::wasm::proxywasm
