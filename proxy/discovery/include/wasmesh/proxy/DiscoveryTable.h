#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/identity/SpiffeId.h"

namespace wasmesh::proxy {

// A meshed destination: the addresses its pods have, who they are, and where their proxy
// listens for mesh connections.
struct Destination {
  std::vector<Cidr> addresses;
  identity::SpiffeId identity;
  std::string serverName;  // identity's DNS form, the TLS SNI to send
  std::uint16_t meshPort = 4143;
};

class DiscoveryTable;
// A refusal is one line for the log or the start-up error:
//   <origin>: destinations[0].addresses[1]: "10.0.0.7/33" is not a CIDR (...)
using DiscoveryTableResult = boost::system::result<DiscoveryTable, std::string>;

// An immutable snapshot of the discovery file (docs/discovery.md): which destination
// addresses belong to which mesh identity. Shared between workers as
// std::shared_ptr<const DiscoveryTable>; a connection keeps the snapshot it started with.
class DiscoveryTable {
 public:
  static constexpr std::uint16_t kDefaultMeshPort = 4143;

  DiscoveryTable() = default;  // no destinations: every lookup misses

  // Parses the YAML text of a discovery file. `origin` (the file's path) starts every
  // error message. Unknown keys, malformed values, CIDRs with host bits set and a prefix
  // listed twice are all errors: the whole file is refused, never half-applied.
  static DiscoveryTableResult parse(std::string_view yamlText, std::string_view origin);

  // The destination whose CIDR is the longest prefix containing `address`, or nullptr.
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as IPv4. The pointer lives
  // as long as this table. Cost: one hash lookup per distinct prefix length in the table.
  const Destination* lookup(const boost::asio::ip::address& address) const noexcept;

  const std::vector<Destination>& destinations() const noexcept { return destinations_; }
  std::size_t size() const noexcept { return destinations_.size(); }
  bool empty() const noexcept { return destinations_.empty(); }

 private:
  // A masked network and its prefix length; IPv4 networks use only `low` (the low 32 bits).
  struct Key {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    unsigned prefixLength = 0;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept;
  };
  // One family's prefixes: every (network, length) to its destination's index, and the
  // distinct lengths present, longest first, which bounds the lookups per address.
  struct PrefixTable {
    std::unordered_map<Key, std::uint32_t, KeyHash> networks;
    std::vector<unsigned> lengthsLongestFirst;
    void finish();  // sorts and deduplicates the lengths once every prefix is in
  };

  static Key keyOf(const boost::asio::ip::address& address, unsigned prefixLength) noexcept;
  void add(Destination destination);  // appends it and indexes its CIDRs
  const Destination* find(const PrefixTable& table,
                          const boost::asio::ip::address& address) const noexcept;

  std::vector<Destination> destinations_;
  PrefixTable v4_;
  PrefixTable v6_;
};

}  // namespace wasmesh::proxy
