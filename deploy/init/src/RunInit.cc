#include "wasmesh/deploy/RunInit.h"

#include <string>
#include <vector>

#include "wasmesh/deploy/IptablesRules.h"
#include "wasmesh/deploy/IptablesRunner.h"
#include "wasmesh/deploy/ProcessRunner.h"

namespace wasmesh::deploy {
namespace {

std::string describeInstall(const ChainReport& report) {
  std::string line = report.existed ? "existed, flushed" : "created";
  line += ", " + std::to_string(report.rulesAppended) +
          (report.rulesAppended == 1 ? " rule" : " rules");
  line +=
      ", " + report.parentChain + (report.jumpPresent ? " jump already present" : " jump added");
  return line;
}

std::string describeUninstall(const ChainReport& report) {
  if (report.jumpsDeleted == 0 && !report.removed)
    return "not installed, nothing to remove";
  std::string line = std::to_string(report.jumpsDeleted) + " " + report.parentChain +
                     (report.jumpsDeleted == 1 ? " jump" : " jumps") + " deleted";
  line += report.removed ? ", chain deleted" : ", chain was already gone";
  return line;
}

int runFamily(const InitOptions& options, AddressFamily family, bool dryRun, bool uninstall,
              CommandRunner& runner, std::ostream& out, std::ostream& err) {
  const IptablesRules rules(options, family);
  const auto plan = uninstall ? rules.uninstall() : rules.install();
  const auto program = std::string(iptablesProgram(family));
  if (dryRun) {
    IptablesRunner::printPlan(family, plan, out);
    return 0;
  }
  IptablesRunner iptables(runner, family);
  if (family == AddressFamily::ipv6) {
    // A kernel without IPv6 nat (or an image without ip6tables) cannot carry IPv6 traffic we
    // could intercept in the first place; refusing would keep the pod from starting for
    // nothing. The warning names the reason so a dual-stack cluster notices.
    if (auto usable = iptables.probe(); !usable) {
      err << "wasmesh init: warning: IPv6 rules skipped, ip6tables nat is not usable here ("
          << usable.error() << "); continuing with IPv4 only; pass --no-ipv6 to silence this\n";
      return 0;
    }
  }
  auto applied = iptables.apply(plan);
  if (!applied) {
    err << "wasmesh init: " << (uninstall ? "uninstall" : "install")
        << " failed: " << applied.error() << '\n';
    return 1;
  }
  for (const auto& report : *applied) {
    out << "wasmesh init: " << program << " nat " << report.chain << ": "
        << (uninstall ? describeUninstall(report) : describeInstall(report)) << '\n';
  }
  return 0;
}

}  // namespace

int runInit(const InitOptions& options, bool dryRun, bool uninstall, CommandRunner& runner,
            std::ostream& out, std::ostream& err) {
  if (const auto problem = validateInitOptions(options); !problem.empty()) {
    err << "wasmesh init: " << problem << '\n';
    return 2;
  }
  std::vector<AddressFamily> families{AddressFamily::ipv4};
  if (options.ipv6)
    families.push_back(AddressFamily::ipv6);
  for (const auto family : families) {
    if (const int status = runFamily(options, family, dryRun, uninstall, runner, out, err);
        status != 0) {
      return status;
    }
  }
  return 0;
}

int runInit(const InitOptions& options, bool dryRun, bool uninstall, std::ostream& out,
            std::ostream& err) {
  ProcessRunner runner;
  return runInit(options, dryRun, uninstall, runner, out, err);
}

}  // namespace wasmesh::deploy
