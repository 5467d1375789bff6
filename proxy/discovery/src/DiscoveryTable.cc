#include "wasmesh/proxy/DiscoveryTable.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <stdexcept>
#include <utility>

namespace wasmesh::proxy {
namespace {

// Unwinds a parse to DiscoveryTable::parse, which turns it into the returned error. The
// parse runs on the main thread at start-up and reload, never on the data path.
class Refusal : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void refuse(const std::string& where, const std::string& why) {
  throw Refusal(where + ": " + why);
}

[[noreturn]] void refuse(const std::string& where, const std::string& value,
                         const std::string& why) {
  throw Refusal(where + ": \"" + value + "\" " + why);
}

std::string kindOf(const YAML::Node& node) {
  if (node.IsMap())
    return "a mapping";
  if (node.IsSequence())
    return "a list";
  return "nothing";
}

// A plain value; lists, mappings and empty values are refused with what was found.
std::string scalarAt(const YAML::Node& node, const std::string& where, const char* expected) {
  if (node.IsScalar())
    return node.Scalar();
  if (node.IsNull())
    refuse(where, "has no value (expected " + std::string(expected) + ")");
  refuse(where, "expected " + std::string(expected) + ", found " + kindOf(node));
}

// The keys of a mapping, each once; anything outside `known` is an error.
template <typename Fn>
void forEachKey(const YAML::Node& map, const std::string& where,
                std::initializer_list<std::string_view> known, Fn&& fn) {
  std::set<std::string, std::less<>> seen;
  for (const auto& entry : map) {
    const auto key = entry.first.Scalar();
    const auto path = where.empty() ? key : where + "." + key;
    if (std::find(known.begin(), known.end(), key) == known.end())
      refuse(path, "unknown key");
    if (!seen.insert(key).second)
      refuse(path, "is given twice");
    fn(key, entry.second, path);
  }
}

// The network of `address` under `prefixLength`: the address with its host bits cleared.
boost::asio::ip::address networkOf(const boost::asio::ip::address& address, unsigned prefixLength) {
  const auto clear = [prefixLength](auto bytes) {
    for (unsigned i = 0; i < bytes.size(); ++i) {
      const unsigned kept = prefixLength > i * 8U ? std::min(prefixLength - i * 8U, 8U) : 0U;
      bytes[i] = static_cast<unsigned char>(bytes[i] & (0xFFU << (8U - kept)));
    }
    return bytes;
  };
  if (address.is_v4())
    return boost::asio::ip::address_v4(clear(address.to_v4().to_bytes()));
  return boost::asio::ip::address_v6(clear(address.to_v6().to_bytes()));
}

Cidr cidrAt(const YAML::Node& node, const std::string& where) {
  const auto text = scalarAt(node, where, "a CIDR");
  const auto cidr = parseCidr(text);
  if (!cidr)
    refuse(where, text, cidr.error().message());
  const auto& network = cidr->network();
  // Lookups treat ::ffff:a.b.c.d as IPv4, so a mapped CIDR would never match: say so.
  if (network.is_v6() && network.to_v6().is_v4_mapped() && cidr->prefixLength() >= 96) {
    const Cidr v4{boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, network.to_v6()),
                  cidr->prefixLength() - 96};
    refuse(where, text, "is an IPv4-mapped IPv6 CIDR (write it as " + v4.toString() + ")");
  }
  // parseCidr keeps the address as written; a host address with a short prefix is most
  // likely a typo for /32 or /128, so refuse it rather than guess which was meant.
  const auto fullLength = network.is_v4() ? 32U : 128U;
  const auto masked = networkOf(network, cidr->prefixLength());
  if (masked != networkOf(network, fullLength)) {
    refuse(
        where, text,
        "has host bits set (the network is " + Cidr{masked, cidr->prefixLength()}.toString() + ")");
  }
  return *cidr;
}

// Where the file lists one CIDR and how, for the error when a prefix is listed twice.
struct Written {
  std::string path;
  std::string text;
};

std::vector<Cidr> addressesAt(const YAML::Node& node, const std::string& where,
                              std::vector<Written>& written) {
  if (!node.IsSequence()) {
    if (node.IsNull())
      refuse(where, "has no value (expected a list of CIDRs)");
    refuse(where, "expected a list of CIDRs, found " +
                      (node.IsScalar() ? "\"" + node.Scalar() + "\"" : kindOf(node)));
  }
  if (node.size() == 0)
    refuse(where, "must list at least one CIDR");
  std::vector<Cidr> out;
  std::size_t index = 0;
  for (const auto& item : node) {
    auto path = where + "[" + std::to_string(index++) + "]";
    out.push_back(cidrAt(item, path));
    written.push_back({std::move(path), item.Scalar()});
  }
  return out;
}

struct Parsed {
  Destination destination;
  std::vector<Written> written;  // one per address
};

Parsed destinationAt(const YAML::Node& node, const std::string& where) {
  if (!node.IsMap())
    refuse(where, "expected a mapping with addresses and identity, found " +
                      (node.IsScalar() ? "\"" + node.Scalar() + "\"" : kindOf(node)));
  std::vector<Cidr> addresses;
  std::vector<Written> written;
  std::optional<identity::SpiffeId> id;
  std::string serverName;
  std::uint16_t meshPort = DiscoveryTable::kDefaultMeshPort;
  bool haveAddresses = false;
  forEachKey(node, where, {"addresses", "identity", "mesh_port"},
             [&](const std::string& key, const YAML::Node& value, const std::string& path) {
               if (key == "addresses") {
                 addresses = addressesAt(value, path, written);
                 haveAddresses = true;
               } else if (key == "identity") {
                 const auto text = scalarAt(value, path, "a SPIFFE ID");
                 auto parsed = identity::SpiffeId::parse(text);
                 if (!parsed)
                   refuse(path, text, parsed.error().message());
                 auto name = parsed->serverName();
                 if (!name)
                   refuse(path, text, name.error().message());
                 id = std::move(*parsed);
                 serverName = std::move(*name);
               } else {
                 const auto text = scalarAt(value, path, "a port");
                 const auto port = parsePort(text);
                 if (!port)
                   refuse(path, text, port.error().message());
                 meshPort = *port;
               }
             });
  if (!haveAddresses)
    refuse(where + ".addresses", "is required");
  if (!id)
    refuse(where + ".identity", "is required");
  return {Destination{std::move(addresses), std::move(*id), std::move(serverName), meshPort},
          std::move(written)};
}

// The top `bits` bits of a 64-bit word set, for bits in 0..64.
constexpr std::uint64_t topBits(unsigned bits) noexcept {
  return bits == 0 ? 0 : ~std::uint64_t{0} << (64U - bits);
}

std::uint64_t loadBigEndian(const unsigned char* bytes) noexcept {
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value = (value << 8U) | bytes[i];
  return value;
}

}  // namespace

std::size_t DiscoveryTable::KeyHash::operator()(const Key& key) const noexcept {
  // splitmix64's finaliser over the three fields: addresses in one subnet differ only in
  // their low bits, which std::hash<uint64_t> (the identity in libstdc++) would not spread.
  const auto mix = [](std::uint64_t x) {
    x ^= x >> 30U;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27U;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31U;
    return x;
  };
  return mix(key.high ^ mix(key.low ^ mix(key.prefixLength)));
}

DiscoveryTable::Key DiscoveryTable::keyOf(const boost::asio::ip::address& address,
                                          unsigned prefixLength) noexcept {
  Key key;
  key.prefixLength = prefixLength;
  if (address.is_v4()) {
    const std::uint64_t bits = address.to_v4().to_uint();
    key.low = bits & (topBits(prefixLength) >> 32U);
    return key;
  }
  const auto bytes = address.to_v6().to_bytes();
  key.high = loadBigEndian(bytes.data()) & topBits(std::min(prefixLength, 64U));
  key.low = loadBigEndian(bytes.data() + 8) & topBits(prefixLength > 64 ? prefixLength - 64 : 0);
  return key;
}

DiscoveryTableResult DiscoveryTable::parse(std::string_view yamlText, std::string_view origin) {
  const std::string prefix = std::string(origin) + ": ";
  try {
    const auto root = YAML::Load(std::string(yamlText));
    if (root.IsNull())
      refuse("destinations", "is required (write \"destinations: []\" for none)");
    if (!root.IsMap())
      refuse("the top level", "expected a mapping with destinations, found " +
                                  (root.IsScalar() ? "\"" + root.Scalar() + "\"" : kindOf(root)));
    DiscoveryTable table;
    bool haveDestinations = false;
    // Every prefix listed so far, to where it was listed: the same prefix in two places
    // would make the table's answer depend on the order of the file.
    std::unordered_map<Key, std::string, KeyHash> listedAt;
    forEachKey(root, "", {"destinations"},
               [&](const std::string&, const YAML::Node& list, const std::string& path) {
                 haveDestinations = true;
                 if (!list.IsSequence())
                   refuse(path, "expected a list (write [] for none), found " +
                                    (list.IsScalar() ? "\"" + list.Scalar() + "\"" : kindOf(list)));
                 std::size_t index = 0;
                 for (const auto& node : list) {
                   auto parsed = destinationAt(node, path + "[" + std::to_string(index++) + "]");
                   const auto& addresses = parsed.destination.addresses;
                   for (std::size_t i = 0; i < addresses.size(); ++i) {
                     const auto& where = parsed.written[i];
                     const auto [it, inserted] = listedAt.emplace(
                         keyOf(addresses[i].network(), addresses[i].prefixLength()), where.path);
                     if (!inserted)
                       refuse(where.path, where.text, "is already listed at " + it->second);
                   }
                   table.add(std::move(parsed.destination));
                 }
               });
    if (!haveDestinations)
      refuse("destinations", "is required (write \"destinations: []\" for none)");
    table.v4_.finish();
    table.v6_.finish();
    return table;
  } catch (const Refusal& refusal) {
    return prefix + refusal.what();
  } catch (const YAML::Exception& error) {
    if (error.mark.is_null())
      return prefix + error.msg;
    return prefix + "line " + std::to_string(error.mark.line + 1) + ", column " +
           std::to_string(error.mark.column + 1) + ": " + error.msg;
  }
}

void DiscoveryTable::add(Destination destination) {
  if (destinations_.size() >= std::numeric_limits<std::uint32_t>::max())
    refuse("destinations", "has more entries than a table can hold");
  const auto index = static_cast<std::uint32_t>(destinations_.size());
  for (const auto& cidr : destination.addresses) {
    auto& table = cidr.isV4() ? v4_ : v6_;
    table.networks.emplace(keyOf(cidr.network(), cidr.prefixLength()), index);
    table.lengthsLongestFirst.push_back(cidr.prefixLength());
  }
  destinations_.push_back(std::move(destination));
}

const Destination* DiscoveryTable::lookup(const boost::asio::ip::address& address) const noexcept {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return find(v4_, boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6()));
  }
  return find(address.is_v4() ? v4_ : v6_, address);
}

// Longest prefix first, one hash probe per distinct length: files list thousands of pod
// addresses but only a few prefix lengths (/32, /128, perhaps a subnet or two), so a lookup
// costs a handful of probes however many destinations there are.
const Destination* DiscoveryTable::find(const PrefixTable& table,
                                        const boost::asio::ip::address& address) const noexcept {
  for (const auto length : table.lengthsLongestFirst) {
    const auto it = table.networks.find(keyOf(address, length));
    if (it != table.networks.end())
      return &destinations_[it->second];
  }
  return nullptr;
}

void DiscoveryTable::PrefixTable::finish() {
  std::sort(lengthsLongestFirst.begin(), lengthsLongestFirst.end(), std::greater<>());
  lengthsLongestFirst.erase(std::unique(lengthsLongestFirst.begin(), lengthsLongestFirst.end()),
                            lengthsLongestFirst.end());
}

}  // namespace wasmesh::proxy
