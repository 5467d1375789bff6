#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "wasmesh/deploy/CommandRunner.h"
#include "wasmesh/deploy/IptablesRules.h"

namespace wasmesh::deploy {

// Failures of `wasmesh init` carry a message for the operator (the failed command line and
// iptables' own words), not just a code.
template <typename T>
using InitResult = boost::system::result<T, std::string>;

// What one plan did to one of our chains, for the one-line-per-chain log.
struct ChainReport {
  std::string chain;
  // PREROUTING or OUTPUT: where the jump into `chain` lives.
  std::string parentChain;
  bool created = false;
  bool existed = false;
  std::size_t rulesAppended = 0;
  bool jumpAdded = false;
  bool jumpPresent = false;
  unsigned jumpsDeleted = 0;
  bool removed = false;
  bool wasMissing = false;
};

// Executes IptablesRules plans with iptables/ip6tables (always with -w, so a concurrent
// iptables user makes us wait instead of fail).
class IptablesRunner {
 public:
  IptablesRunner(CommandRunner& runner, AddressFamily family);

  // Whether this family's nat table is usable here; fails when ip6tables is missing or the
  // kernel has no IPv6 nat, with the reason.
  InitResult<void> probe();

  // Runs the plan in order and stops at the first failure. Reports per chain, in the order
  // the chains first appear in the plan.
  InitResult<std::vector<ChainReport>> apply(const std::vector<IptablesCommand>& plan);

  // The command lines `apply` runs on a host without our rules, one per line, without -w:
  // checks (-C) are left out and each jump is added or deleted once.
  static void printPlan(AddressFamily family, const std::vector<IptablesCommand>& plan,
                        std::ostream& out);

 private:
  std::vector<std::string> argv(const std::vector<std::string>& args) const;
  // Runs one command; a spawn failure becomes a message, a non-zero exit is left to the caller.
  InitResult<CommandOutput> execute(const std::vector<std::string>& args);
  std::string failure(const std::vector<std::string>& args, const CommandOutput& output) const;

  CommandRunner& runner_;
  AddressFamily family_;
};

}  // namespace wasmesh::deploy
