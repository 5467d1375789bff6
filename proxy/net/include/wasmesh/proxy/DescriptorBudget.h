#pragma once

#include <cstdint>

namespace wasmesh::proxy {

// How many connections each side may hold so that the process never runs out of file
// descriptors: running out makes accept() fail with EMFILE on every listener, the admin
// one included, and breaks certificate and file reloads. A reserve is kept for those, and
// the rest is split between inbound and outbound, each relayed connection costing two.
struct DescriptorBudget {
  std::uint64_t descriptorLimit = 0;
  std::uint64_t reserve = 0;
  std::uint32_t inboundConnections = 0;
  std::uint32_t outboundConnections = 0;

  // Kept for the admin server, files, identity and DNS: at least this many...
  static constexpr std::uint64_t kMinReserve = 128;
  // ...or this fraction of the limit (1/kReserveDivisor), whichever is larger.
  static constexpr std::uint64_t kReserveDivisor = 10;

  // `configured*` of 0 means derive it. Explicit values are kept as given, even if they
  // overcommit (the caller warns).
  static DescriptorBudget compute(std::uint64_t descriptorLimit, std::uint32_t configuredInbound,
                                  std::uint32_t configuredOutbound);

  // Whether the connection limits, at two descriptors each, fit beside the reserve.
  bool fits() const noexcept;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (as nginx and Envoy do: the common soft
// limit of 1024 would cap the proxy at a few hundred connections) and returns the soft
// limit then in force.
std::uint64_t raiseDescriptorLimit();

}  // namespace wasmesh::proxy
