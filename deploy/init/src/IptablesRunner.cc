#include "wasmesh/deploy/IptablesRunner.h"

#include <algorithm>

namespace wasmesh::deploy {
namespace {

// iptables does not translate its messages, so matching them is stable; legacy and nft
// backends word these two cases the same way, nft adds the "does not exist" form.
bool saysChainExists(const CommandOutput& output) {
  return output.standardError.find("Chain already exists") != std::string::npos;
}

bool saysNoChain(const CommandOutput& output) {
  const auto& text = output.standardError;
  return text.find("No chain/target/match by that name") != std::string::npos ||
         text.find("does not exist") != std::string::npos;
}

// iptables' stderr on one line, without the "Try `iptables -h'" hint that says nothing here.
std::string oneLine(const std::string& text) {
  std::string line;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    auto piece = text.substr(start, end - start);
    start = end + 1;
    while (!piece.empty() && (piece.back() == '\r' || piece.back() == ' '))
      piece.pop_back();
    if (piece.empty() || piece.rfind("Try `", 0) == 0)
      continue;
    if (!line.empty())
      line += "; ";
    line += piece;
  }
  return line;
}

// A jump deleted this many times and still present means something re-adds it; stop rather
// than spin.
constexpr unsigned kMaxJumpDeletes = 64;

ChainReport& reportFor(std::vector<ChainReport>& reports, const std::string& chain) {
  auto it = std::find_if(reports.begin(), reports.end(),
                         [&](const ChainReport& report) { return report.chain == chain; });
  if (it != reports.end())
    return *it;
  reports.push_back(ChainReport{});
  reports.back().chain = chain;
  return reports.back();
}

InitResult<void> fail(std::string message) {
  return InitResult<void>(boost::system::in_place_error, std::move(message));
}

}  // namespace

IptablesRunner::IptablesRunner(CommandRunner& runner, AddressFamily family)
    : runner_(runner), family_(family) {}

std::vector<std::string> IptablesRunner::argv(const std::vector<std::string>& args) const {
  std::vector<std::string> words{std::string(iptablesProgram(family_)), "-w"};
  words.insert(words.end(), args.begin(), args.end());
  return words;
}

InitResult<CommandOutput> IptablesRunner::execute(const std::vector<std::string>& args) {
  const auto words = argv(args);
  auto output = runner_.run(words);
  if (!output) {
    return InitResult<CommandOutput>(
        boost::system::in_place_error,
        "cannot run `" + formatCommandLine(words) + "`: " + output.error().message());
  }
  return *std::move(output);
}

std::string IptablesRunner::failure(const std::vector<std::string>& args,
                                    const CommandOutput& output) const {
  auto message = "`" + formatCommandLine(argv(args)) + "` failed with exit status " +
                 std::to_string(output.exitStatus);
  const auto detail = oneLine(output.standardError);
  if (!detail.empty())
    message += ": " + detail;
  return message;
}

InitResult<void> IptablesRunner::probe() {
  // Listing PREROUTING loads the nat table; it fails when the binary or the kernel support is
  // missing, and changes nothing.
  const std::vector<std::string> args{"-t", "nat", "-S", "PREROUTING"};
  auto output = execute(args);
  if (!output)
    return fail(output.error());
  if (output->exitStatus != 0)
    return fail(failure(args, *output));
  return {};
}

InitResult<std::vector<ChainReport>> IptablesRunner::apply(
    const std::vector<IptablesCommand>& plan) {
  using Kind = IptablesCommand::Kind;
  using Reports = InitResult<std::vector<ChainReport>>;
  std::vector<ChainReport> reports;
  for (const auto& step : plan) {
    auto& report = reportFor(reports, step.ownChain);
    if (step.kind == Kind::appendIfMissing || step.kind == Kind::deleteAll) {
      // args are {"-t", "nat", "-A"/"-D", PARENT, ...}
      if (step.args.size() > 3)
        report.parentChain = step.args[3];
      const auto check = step.checkArgs();
      unsigned deletes = 0;
      while (true) {
        auto checked = execute(check);
        if (!checked)
          return Reports(boost::system::in_place_error, checked.error());
        // Any failure of -C means "not there": exit 1 for a missing rule, 2 when the target
        // chain is gone (uninstall after a partial install). A real problem surfaces in the
        // -A or the -F/-X that follows.
        const bool present = checked->exitStatus == 0;
        if (step.kind == Kind::appendIfMissing && present) {
          report.jumpPresent = true;
          break;
        }
        if (step.kind == Kind::deleteAll && !present)
          break;
        if (step.kind == Kind::deleteAll && deletes >= kMaxJumpDeletes) {
          return Reports(boost::system::in_place_error, "`" + formatCommandLine(argv(step.args)) +
                                                            "` still finds the rule after " +
                                                            std::to_string(deletes) + " deletions");
        }
        auto ran = execute(step.args);
        if (!ran)
          return Reports(boost::system::in_place_error, ran.error());
        if (ran->exitStatus != 0) {
          return Reports(boost::system::in_place_error, failure(step.args, *ran));
        }
        if (step.kind == Kind::appendIfMissing) {
          report.jumpAdded = true;
          break;
        }
        report.jumpsDeleted = ++deletes;
      }
      continue;
    }

    auto ran = execute(step.args);
    if (!ran)
      return Reports(boost::system::in_place_error, ran.error());
    const bool ok = ran->exitStatus == 0;
    // args are {"-t", "nat", OPERATION, CHAIN, ...}
    const std::string operation = step.args.size() > 2 ? step.args[2] : std::string();
    if (step.kind == Kind::createChain) {
      if (ok) {
        report.created = true;
        continue;
      }
      if (saysChainExists(*ran)) {
        report.existed = true;
        continue;
      }
    } else if (step.kind == Kind::ignoreMissingChain) {
      if (ok) {
        report.removed = report.removed || operation == "-X";
        continue;
      }
      if (saysNoChain(*ran)) {
        report.wasMissing = true;
        continue;
      }
    } else if (ok) {
      if (operation == "-A")
        ++report.rulesAppended;
      continue;
    }
    return Reports(boost::system::in_place_error, failure(step.args, *ran));
  }
  return reports;
}

void IptablesRunner::printPlan(AddressFamily family, const std::vector<IptablesCommand>& plan,
                               std::ostream& out) {
  for (const auto& step : plan) {
    std::vector<std::string> words{std::string(iptablesProgram(family))};
    words.insert(words.end(), step.args.begin(), step.args.end());
    out << formatCommandLine(words) << '\n';
  }
}

}  // namespace wasmesh::deploy
