#include "wasmesh/deploy/IptablesRules.h"

#include <algorithm>
#include <utility>

namespace wasmesh::deploy {
namespace {

constexpr const char* kTable = "nat";

// iptables-save prints a rule's words in a fixed order (protocol/interface/address, then
// matches, then comment, then target). Rules are written in that order so that `-C` checks and
// iptables-save comparisons see exactly what was appended.
std::vector<std::string> withComment(std::vector<std::string> spec, const std::string& purpose,
                                     std::vector<std::string> target) {
  spec.insert(spec.end(), {"-m", "comment", "--comment", "wasmesh/" + purpose});
  spec.insert(spec.end(), std::make_move_iterator(target.begin()),
              std::make_move_iterator(target.end()));
  return spec;
}

void appendPortRules(std::vector<std::vector<std::string>>& rules, const PortSet& ports,
                     const std::string& purpose) {
  for (auto& list : IptablesRules::multiportLists(ports)) {
    rules.push_back(withComment({"-p", "tcp", "-m", "multiport", "--dports", std::move(list)},
                                purpose, {"-j", "RETURN"}));
  }
}

// iptables masks host bits itself and iptables-save prints the masked network; doing the same
// keeps our rule text equal to what the kernel reports.
std::string maskedCidr(const Cidr& cidr) {
  const auto& network = cidr.network();
  const auto maskBytes = [&](auto bytes) {
    unsigned remaining = cidr.prefixLength();
    for (auto& byte : bytes) {
      const unsigned bits = std::min(remaining, 8U);
      byte = static_cast<unsigned char>(byte & (bits == 0 ? 0U : (0xFFU << (8U - bits)) & 0xFFU));
      remaining -= bits;
    }
    return bytes;
  };
  boost::asio::ip::address masked;
  if (network.is_v4()) {
    masked = boost::asio::ip::address_v4(maskBytes(network.to_v4().to_bytes()));
  } else {
    masked = boost::asio::ip::address_v6(maskBytes(network.to_v6().to_bytes()));
  }
  return masked.to_string() + "/" + std::to_string(cidr.prefixLength());
}

IptablesCommand command(IptablesCommand::Kind kind, const std::string& ownChain,
                        std::vector<std::string> words) {
  std::vector<std::string> args{"-t", kTable};
  args.insert(args.end(), std::make_move_iterator(words.begin()),
              std::make_move_iterator(words.end()));
  return IptablesCommand{kind, ownChain, std::move(args)};
}

std::vector<std::string> concat(std::vector<std::string> head,
                                const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

void appendChainInstall(std::vector<IptablesCommand>& out, const std::string& chain,
                        const std::vector<std::vector<std::string>>& rules,
                        const std::string& parent, const std::vector<std::string>& jump) {
  using Kind = IptablesCommand::Kind;
  out.push_back(command(Kind::createChain, chain, {"-N", chain}));
  // Flushing instead of checking each rule is what makes a re-run converge on exactly this
  // rule set, even after the options changed.
  out.push_back(command(Kind::run, chain, {"-F", chain}));
  for (const auto& rule : rules)
    out.push_back(command(Kind::run, chain, concat({"-A", chain}, rule)));
  out.push_back(command(Kind::appendIfMissing, chain, concat({"-A", parent}, jump)));
}

}  // namespace

std::string_view iptablesProgram(AddressFamily family) noexcept {
  return family == AddressFamily::ipv4 ? "iptables" : "ip6tables";
}

std::vector<std::string> IptablesCommand::checkArgs() const {
  auto check = args;
  for (auto& word : check) {
    if (word == "-A" || word == "-D") {
      word = "-C";
      break;
    }
  }
  return check;
}

IptablesRules::IptablesRules(InitOptions options, AddressFamily family)
    : options_(std::move(options)), family_(family) {}

std::vector<std::string> IptablesRules::multiportLists(const PortSet& ports) {
  std::vector<std::string> lists;
  std::string current;
  unsigned used = 0;
  const auto add = [&](const std::string& entry, unsigned slots) {
    if (used + slots > kMaxMultiportSlots) {
      lists.push_back(std::move(current));
      current.clear();
      used = 0;
    }
    if (!current.empty())
      current += ',';
    current += entry;
    used += slots;
  };
  for (const auto& range : ports.ranges()) {
    if (range.first == range.last) {
      add(std::to_string(range.first), 1);
    } else if (range.last == range.first + 1) {
      // Two ports cost two slots either way; listing them reads like Linkerd's "4190,4191".
      add(std::to_string(range.first), 1);
      add(std::to_string(range.last), 1);
    } else {
      add(std::to_string(range.first) + ":" + std::to_string(range.last), 2);
    }
  }
  if (!current.empty())
    lists.push_back(std::move(current));
  return lists;
}

std::vector<std::vector<std::string>> IptablesRules::inboundRules() const {
  std::vector<std::vector<std::string>> rules;
  // One set, as Linkerd does: the admin/tap ports and the user's skip list are the same kind of
  // exemption, and merging them keeps the rule count down.
  auto ignored = options_.inboundPortsToIgnore.ranges();
  const auto& skipped = options_.skipInboundPorts.ranges();
  ignored.insert(ignored.end(), skipped.begin(), skipped.end());
  ignored.push_back({options_.adminPort, options_.adminPort});
  appendPortRules(rules, PortSet{std::move(ignored)}, "ignore-inbound-ports");
  rules.push_back(
      withComment({"-p", "tcp"}, "redirect-inbound",
                  {"-j", "REDIRECT", "--to-ports", std::to_string(options_.inboundPort)}));
  return rules;
}

std::vector<std::vector<std::string>> IptablesRules::outboundRules() const {
  std::vector<std::vector<std::string>> rules;
  // The proxy's own connections must leave untouched, or every outbound hop loops back into it.
  rules.push_back(withComment({"-m", "owner", "--uid-owner", std::to_string(options_.proxyUid)},
                              "ignore-proxy-uid", {"-j", "RETURN"}));
  rules.push_back(withComment({"-o", "lo"}, "ignore-loopback", {"-j", "RETURN"}));
  appendPortRules(rules, options_.skipOutboundPorts, "skip-outbound-ports");
  const bool wantV4 = family_ == AddressFamily::ipv4;
  for (const auto& cidr : options_.skipSubnets) {
    // iptables refuses an address of the other family, so each tool gets only its own CIDRs.
    if (cidr.isV4() != wantV4)
      continue;
    rules.push_back(withComment({"-d", maskedCidr(cidr)}, "skip-subnets", {"-j", "RETURN"}));
  }
  rules.push_back(
      withComment({"-p", "tcp"}, "redirect-outbound",
                  {"-j", "REDIRECT", "--to-ports", std::to_string(options_.outboundPort)}));
  return rules;
}

std::vector<std::string> IptablesRules::inboundJump() const {
  return withComment({}, "intercept-inbound", {"-j", inboundChain()});
}

std::vector<std::string> IptablesRules::outboundJump() const {
  return withComment({}, "intercept-outbound", {"-j", outboundChain()});
}

std::vector<IptablesCommand> IptablesRules::install() const {
  std::vector<IptablesCommand> out;
  appendChainInstall(out, inboundChain(), inboundRules(), "PREROUTING", inboundJump());
  appendChainInstall(out, outboundChain(), outboundRules(), "OUTPUT", outboundJump());
  return out;
}

std::vector<IptablesCommand> IptablesRules::uninstall() const {
  using Kind = IptablesCommand::Kind;
  const auto in = inboundChain();
  const auto outChain = outboundChain();
  return {
      command(Kind::deleteAll, in, concat({"-D", "PREROUTING"}, inboundJump())),
      command(Kind::deleteAll, outChain, concat({"-D", "OUTPUT"}, outboundJump())),
      command(Kind::ignoreMissingChain, in, {"-F", in}),
      command(Kind::ignoreMissingChain, in, {"-X", in}),
      command(Kind::ignoreMissingChain, outChain, {"-F", outChain}),
      command(Kind::ignoreMissingChain, outChain, {"-X", outChain}),
  };
}

std::string validateInitOptions(const InitOptions& options) {
  // iptables chain names are at most 28 characters; "_INBOUND" is the longer suffix.
  constexpr std::size_t kMaxChainName = 28;
  const auto& prefix = options.chainPrefix;
  const bool prefixCharsOk = std::all_of(prefix.begin(), prefix.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
  if (prefix.empty() || !prefixCharsOk || prefix.size() + 8 > kMaxChainName) {
    return "chain prefix \"" + prefix +
           "\" is not usable (letters, digits or '_', at most 20 characters)";
  }
  if (options.inboundPort == 0)
    return "inbound port 0 is not a port (1-65535)";
  if (options.outboundPort == 0)
    return "outbound port 0 is not a port (1-65535)";
  return {};
}

}  // namespace wasmesh::deploy
