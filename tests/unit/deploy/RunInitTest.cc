#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>

#include "FakeIptables.h"
#include "wasmesh/deploy/RunInit.h"

namespace wasmesh::deploy {
namespace {

using testing::FakeIptables;

struct Run {
  int status = -1;
  std::string out;
  std::string err;
};

Run run(FakeIptables& fake, const InitOptions& options, bool dryRun, bool uninstall) {
  std::ostringstream out;
  std::ostringstream err;
  Run result;
  result.status = runInit(options, dryRun, uninstall, fake, out, err);
  result.out = out.str();
  result.err = err.str();
  return result;
}

TEST(RunInitTest, InstallLogsOneLinePerChainAndFamily) {
  FakeIptables fake;
  const auto first = run(fake, InitOptions{}, false, false);
  EXPECT_EQ(first.status, 0) << first.err;
  EXPECT_EQ(first.err, "");
  EXPECT_EQ(first.out,
            "wasmesh init: iptables nat WASMESH_INBOUND: created, 2 rules, PREROUTING jump added\n"
            "wasmesh init: iptables nat WASMESH_OUTPUT: created, 3 rules, OUTPUT jump added\n"
            "wasmesh init: ip6tables nat WASMESH_INBOUND: created, 2 rules, PREROUTING jump "
            "added\n"
            "wasmesh init: ip6tables nat WASMESH_OUTPUT: created, 3 rules, OUTPUT jump added\n");
  const auto second = run(fake, InitOptions{}, false, false);
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("iptables nat WASMESH_INBOUND: existed, flushed, 2 rules, PREROUTING "
                            "jump already present\n"),
            std::string::npos);
  EXPECT_EQ(fake.table("ip6tables").chains["OUTPUT"].size(), 1U);
}

TEST(RunInitTest, DryRunPrintsCommandsAndRunsNothing) {
  FakeIptables fake;
  InitOptions options;
  options.skipSubnets = parseCidrList("10.0.0.0/8,fd00::/8").value();
  const auto result = run(fake, options, true, false);
  EXPECT_EQ(result.status, 0);
  EXPECT_TRUE(fake.calls.empty());
  EXPECT_NE(result.out.find("iptables -t nat -N WASMESH_INBOUND\n"), std::string::npos);
  EXPECT_NE(result.out.find("iptables -t nat -A WASMESH_OUTPUT -d 10.0.0.0/8 -m comment "
                            "--comment wasmesh/skip-subnets -j RETURN\n"),
            std::string::npos);
  EXPECT_NE(result.out.find("ip6tables -t nat -A WASMESH_OUTPUT -d fd00::/8 -m comment "
                            "--comment wasmesh/skip-subnets -j RETURN\n"),
            std::string::npos);
  EXPECT_EQ(result.out.find("iptables -t nat -A WASMESH_OUTPUT -d fd00"), std::string::npos);
  EXPECT_NE(result.out.find("ip6tables -t nat -A OUTPUT -m comment --comment "
                            "wasmesh/intercept-outbound -j WASMESH_OUTPUT\n"),
            std::string::npos);
  // 11 steps per family.
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 12 + 12);
}

TEST(RunInitTest, MissingIp6tablesWarnsAndKeepsIpv4) {
  FakeIptables fake;
  fake.missingPrograms.insert("ip6tables");
  const auto result = run(fake, InitOptions{}, false, false);
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.err.find("warning: IPv6 rules skipped"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("No such file or directory"), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find("ip6tables"), std::string::npos);
  EXPECT_EQ(fake.table("iptables").chains.count("WASMESH_OUTPUT"), 1U);
}

TEST(RunInitTest, NoIpv6NeverTouchesIp6tables) {
  FakeIptables fake;
  InitOptions options;
  options.ipv6 = false;
  const auto result = run(fake, options, false, false);
  EXPECT_EQ(result.status, 0);
  EXPECT_EQ(result.err, "");
  for (const auto& call : fake.calls)
    EXPECT_EQ(call.at(0), "iptables");
}

TEST(RunInitTest, CommandFailureExitsOne) {
  FakeIptables fake;
  fake.override = [](const std::vector<std::string>& argv) -> std::optional<CommandOutput> {
    if (argv.at(4) == "-F")
      return CommandOutput{1, "", "iptables: Permission denied.\n"};
    return std::nullopt;
  };
  const auto result = run(fake, InitOptions{}, false, false);
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.err,
            "wasmesh init: install failed: `iptables -w -t nat -F WASMESH_INBOUND` failed with "
            "exit status 1: iptables: Permission denied.\n");
}

TEST(RunInitTest, UnusableOptionsExitTwo) {
  FakeIptables fake;
  InitOptions options;
  options.chainPrefix = "BAD PREFIX";
  const auto result = run(fake, options, false, false);
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("\"BAD PREFIX\""), std::string::npos);
  EXPECT_TRUE(fake.calls.empty());
}

TEST(RunInitTest, UninstallAfterInstallLeavesNothing) {
  FakeIptables fake;
  ASSERT_EQ(run(fake, InitOptions{}, false, false).status, 0);
  const auto result = run(fake, InitOptions{}, false, true);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("iptables nat WASMESH_INBOUND: 1 PREROUTING jump deleted, chain "
                            "deleted\n"),
            std::string::npos)
      << result.out;
  for (const auto* program : {"iptables", "ip6tables"}) {
    const auto& chains = fake.table(program).chains;
    EXPECT_EQ(chains.size(), 4U) << program;
    for (const auto& [name, rules] : chains)
      EXPECT_TRUE(rules.empty()) << program << " " << name;
  }
}

TEST(RunInitTest, UninstallWithNothingInstalledSucceeds) {
  FakeIptables fake;
  const auto result = run(fake, InitOptions{}, false, true);
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_NE(result.out.find("iptables nat WASMESH_OUTPUT: not installed, nothing to remove\n"),
            std::string::npos)
      << result.out;
}

}  // namespace
}  // namespace wasmesh::deploy
