#pragma once

#include <string>
#include <vector>

#include "wasmesh/deploy/InitOptions.h"

namespace wasmesh::deploy {

// One step of an install or uninstall plan. `args` is the iptables argument vector without the
// program name and without -w (the runner adds both), e.g. {"-t","nat","-N","WASMESH_INBOUND"}.
struct IptablesCommand {
  enum class Kind {
    // Must succeed.
    run,
    // -N: "chain already exists" also counts as success, so re-running install works.
    createChain,
    // -A of a jump into our chain: run `checkArgs()` (-C) first, append only when it fails, so
    // re-running never stacks a second jump.
    appendIfMissing,
    // -D of a jump: repeated while `checkArgs()` still finds it (someone may have added it twice).
    deleteAll,
    // -F / -X during uninstall: "no such chain" also counts as success (nothing installed).
    ignoreMissingChain,
  };

  Kind kind = Kind::run;
  // Which of our chains this step belongs to (also for the PREROUTING/OUTPUT jumps), so a
  // runner can report per chain.
  std::string ownChain;
  std::vector<std::string> args;

  // The same rule with the operation (-A/-D) replaced by -C.
  std::vector<std::string> checkArgs() const;
  bool operator==(const IptablesCommand&) const = default;
};

// Pure rule generation: no I/O, so every rule can be checked by golden tests.
class IptablesRules {
 public:
  // Most ports one multiport match takes; a range a:b counts as two.
  static constexpr unsigned kMaxMultiportSlots = 15;

  IptablesRules(InitOptions options, AddressFamily family);

  AddressFamily family() const noexcept { return family_; }
  std::string inboundChain() const { return options_.chainPrefix + "_INBOUND"; }
  std::string outboundChain() const { return options_.chainPrefix + "_OUTPUT"; }

  // Rule specifications appended to our chains, in order (the words after `-A CHAIN`).
  std::vector<std::vector<std::string>> inboundRules() const;
  std::vector<std::vector<std::string>> outboundRules() const;
  // The jump specification put into PREROUTING / OUTPUT (the words after `-A PREROUTING`).
  std::vector<std::string> inboundJump() const;
  std::vector<std::string> outboundJump() const;

  // -N, -F, -A... and the jumps, per chain: inbound first, then outbound.
  std::vector<IptablesCommand> install() const;
  // Jumps deleted first (a referenced chain cannot be deleted), then -F and -X of our chains.
  std::vector<IptablesCommand> uninstall() const;

  // Multiport --dports values: at most kMaxMultiportSlots slots each, ranges written a:b.
  static std::vector<std::string> multiportLists(const PortSet& ports);

 private:
  InitOptions options_;
  AddressFamily family_;
};

// Checks what the CLI cannot: a usable chain prefix and non-zero ports. Empty when valid,
// otherwise a message naming the field and the value.
std::string validateInitOptions(const InitOptions& options);

}  // namespace wasmesh::deploy
