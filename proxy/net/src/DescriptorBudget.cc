#include "wasmesh/proxy/DescriptorBudget.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <limits>

namespace wasmesh::proxy {

DescriptorBudget DescriptorBudget::compute(std::uint64_t descriptorLimit,
                                           std::uint32_t configuredInbound,
                                           std::uint32_t configuredOutbound) {
  DescriptorBudget budget;
  budget.descriptorLimit = descriptorLimit;
  budget.reserve = std::max(kMinReserve, descriptorLimit / kReserveDivisor);
  const auto usable = descriptorLimit > budget.reserve ? descriptorLimit - budget.reserve : 0;
  // Two descriptors per connection, two sides sharing what is usable.
  const auto perSide =
      std::min<std::uint64_t>(usable / 4, std::numeric_limits<std::uint32_t>::max());
  const auto derived = static_cast<std::uint32_t>(std::max<std::uint64_t>(perSide, 1));
  budget.inboundConnections = configuredInbound != 0 ? configuredInbound : derived;
  budget.outboundConnections = configuredOutbound != 0 ? configuredOutbound : derived;
  return budget;
}

bool DescriptorBudget::fits() const noexcept {
  const auto needed = 2 * (static_cast<std::uint64_t>(inboundConnections) + outboundConnections);
  return needed + reserve <= descriptorLimit;
}

std::uint64_t raiseDescriptorLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
    return 1024;  // what Linux starts processes with; the budget stays conservative
  if (limit.rlim_cur < limit.rlim_max) {
    const auto previous = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) {
      spdlog::debug("file descriptor limit raised from {} to {}", previous, limit.rlim_cur);
    } else {
      limit.rlim_cur = previous;
    }
  }
  return limit.rlim_cur == RLIM_INFINITY ? std::numeric_limits<std::uint32_t>::max()
                                         : static_cast<std::uint64_t>(limit.rlim_cur);
}

}  // namespace wasmesh::proxy
