#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "wasmesh/deploy/CommandRunner.h"

namespace wasmesh::deploy::testing {

// A small model of iptables' nat table (per program: iptables and ip6tables are separate), with
// the exit statuses and messages the real tool gives, so install/uninstall logic can be checked
// without root.
class FakeIptables final : public CommandRunner {
 public:
  using Rule = std::vector<std::string>;
  struct Table {
    std::map<std::string, std::vector<Rule>> chains{
        {"PREROUTING", {}}, {"INPUT", {}}, {"OUTPUT", {}}, {"POSTROUTING", {}}};
  };

  // Programs that are "not installed": run() fails with ENOENT as posix_spawnp would.
  std::set<std::string> missingPrograms;
  // Consulted first; a value replaces the modelled answer (scripted failures).
  std::function<std::optional<CommandOutput>(const std::vector<std::string>&)> override;
  // Every argv run, in order.
  std::vector<std::vector<std::string>> calls;
  std::map<std::string, Table> tables;

  Result<CommandOutput> run(const std::vector<std::string>& argv) override {
    calls.push_back(argv);
    if (missingPrograms.count(argv.at(0)) != 0) {
      return boost::system::error_code(ENOENT, boost::system::system_category());
    }
    if (override) {
      if (auto answer = override(argv))
        return *answer;
    }
    return model(argv);
  }

  Table& table(const std::string& program) { return tables[program]; }

  // How many calls had exactly these words from position 1 on (after the program).
  std::size_t count(const std::string& program, const std::vector<std::string>& words) const {
    return static_cast<std::size_t>(std::count_if(calls.begin(), calls.end(), [&](const auto& c) {
      return c.at(0) == program && std::vector<std::string>(c.begin() + 1, c.end()) == words;
    }));
  }

 private:
  static CommandOutput fail(int status, std::string message) {
    return CommandOutput{status, "", std::move(message)};
  }

  CommandOutput model(const std::vector<std::string>& argv) {
    const auto& program = argv.at(0);
    // Expected shape: PROGRAM -w -t nat OP CHAIN [rule...]
    if (argv.size() < 6 || argv[1] != "-w" || argv[2] != "-t" || argv[3] != "nat") {
      return fail(2, program + " v1.8.9 (nf_tables): unexpected arguments\n");
    }
    auto& chains = table(program).chains;
    const auto& op = argv[4];
    const auto& chain = argv[5];
    const Rule rule(argv.begin() + 6, argv.end());
    const auto found = chains.find(chain);
    const bool exists = found != chains.end();
    const std::string noChain = program + ": No chain/target/match by that name.\n";
    if (op == "-N") {
      if (exists)
        return fail(1, program + ": Chain already exists.\n");
      chains[chain];
      return {};
    }
    if (op == "-S") {
      if (!exists)
        return fail(1, noChain);
      return CommandOutput{0, "-P " + chain + " ACCEPT\n", ""};
    }
    if (!exists) {
      return op == "-C" || op == "-D" || op == "-A"
                 ? fail(2, program + " v1.8.9 (nf_tables): Chain '" + chain +
                               "' does not exist\nTry `" + program + " -h' or '" + program +
                               " --help' for more information.\n")
                 : fail(1, noChain);
    }
    auto& rules = found->second;
    if (op == "-F") {
      rules.clear();
      return {};
    }
    if (op == "-X") {
      for (const auto& [name, other] : chains) {
        for (const auto& r : other) {
          if (!r.empty() && r.back() == chain) {
            return fail(1, program +
                               " v1.8.9 (nf_tables): CHAIN_USER_DEL failed (Device or "
                               "resource busy): chain " +
                               chain + "\n");
          }
        }
      }
      if (!rules.empty())
        return fail(1, program + ": Directory not empty.\n");
      chains.erase(found);
      return {};
    }
    const auto target = !rule.empty() ? rule.back() : std::string();
    const bool userTarget = target.find('_') != std::string::npos;
    if ((op == "-A" || op == "-C") && userTarget && chains.count(target) == 0) {
      return fail(2, program + " v1.8.9 (nf_tables): Chain '" + target + "' does not exist\n");
    }
    const auto match = std::find(rules.begin(), rules.end(), rule);
    if (op == "-A") {
      rules.push_back(rule);
      return {};
    }
    if (op == "-C") {
      if (match == rules.end()) {
        return fail(1, program + ": Bad rule (does a matching rule exist in that chain?).\n");
      }
      return {};
    }
    if (op == "-D") {
      if (match == rules.end()) {
        return fail(1, program + ": Bad rule (does a matching rule exist in that chain?).\n");
      }
      rules.erase(match);
      return {};
    }
    return fail(2, program + ": unknown operation " + op + "\n");
  }
};

}  // namespace wasmesh::deploy::testing
