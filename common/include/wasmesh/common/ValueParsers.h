#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/common/Error.h"

// One parser per kind of configuration value. Each returns a Result; callers name the key.
namespace wasmesh {

// Linkerd's duration syntax: an integer with a unit ms|s|m|h|d; only "0" may omit the unit.
Result<std::chrono::milliseconds> parseDuration(std::string_view text);
std::string formatDuration(std::chrono::milliseconds duration);

Result<std::uint16_t> parsePort(std::string_view text);

// Byte sizes: an integer with B, KiB, MiB or GiB (a bare integer means bytes).
Result<std::uint64_t> parseSize(std::string_view text);

// An inclusive set of TCP ports, kept as sorted, merged ranges.
class PortSet {
 public:
  struct Range {
    std::uint16_t first;
    std::uint16_t last;
    bool operator==(const Range&) const = default;
  };

  PortSet() = default;
  explicit PortSet(std::vector<Range> ranges);

  bool contains(std::uint16_t port) const noexcept;
  // The lowest port in both sets, if any.
  std::optional<std::uint16_t> firstCommonPort(const PortSet& other) const noexcept;
  bool empty() const noexcept { return ranges_.empty(); }
  const std::vector<Range>& ranges() const noexcept { return ranges_; }
  // "25,587,8000-8100": the same syntax parsePortSet reads.
  std::string toString() const;
  bool operator==(const PortSet&) const = default;

 private:
  std::vector<Range> ranges_;
};

// A DNS label as Kubernetes names namespaces and service accounts (RFC 1123): 1..63 of
// [a-z0-9-], starting and ending alphanumeric. SPIFFE workload paths, server names and mesh
// component names all use it.
bool isDnsLabel(std::string_view text) noexcept;

// "25,587,8000-8100"; whitespace and empty entries are ignored; named ports are errors.
Result<PortSet> parsePortSet(std::string_view text);

class Cidr {
 public:
  Cidr(boost::asio::ip::address network, unsigned prefixLength);

  bool contains(const boost::asio::ip::address& address) const noexcept;
  bool isV4() const noexcept { return network_.is_v4(); }
  const boost::asio::ip::address& network() const noexcept { return network_; }
  unsigned prefixLength() const noexcept { return prefixLength_; }
  std::string toString() const;
  bool operator==(const Cidr&) const = default;

 private:
  boost::asio::ip::address network_;
  unsigned prefixLength_;
};

// "10.0.0.0/8", "fd00::/8"; a bare address is a host route (/32 or /128).
Result<Cidr> parseCidr(std::string_view text);
// A comma-separated list of CIDRs; whitespace and empty entries are ignored.
Result<std::vector<Cidr>> parseCidrList(std::string_view text);

// "0.0.0.0:4143", "[::]:4143", "localhost:80" is refused: addresses must be literal.
Result<boost::asio::ip::tcp::endpoint> parseSocketAddress(std::string_view text);
std::string formatSocketAddress(const boost::asio::ip::tcp::endpoint& endpoint);

// Where a client connects: a literal address or a DNS name (resolved at each connection, so
// a Kubernetes Service name follows the Service), and a port 1..65535.
struct HostPort {
  std::string host;  // an IP address, or a lower-case DNS name
  std::uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};
// "10.0.0.5:8080", "[fd00::5]:8080", "identity.wasmesh.svc.cluster.local:8080".
Result<HostPort> parseHostPort(std::string_view text);
std::string formatHostPort(const HostPort& hostPort);

}  // namespace wasmesh
