#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "FakeIptables.h"
#include "wasmesh/deploy/IptablesRunner.h"

namespace wasmesh::deploy {
namespace {

using testing::FakeIptables;
using Words = std::vector<std::string>;

Words withArgs(Words head, const Words& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// The fake's table must hold exactly the generated rules, each once.
void expectInstalled(FakeIptables& fake, const IptablesRules& rules) {
  auto& chains = fake.table("iptables").chains;
  EXPECT_EQ(chains[rules.inboundChain()], rules.inboundRules());
  EXPECT_EQ(chains[rules.outboundChain()], rules.outboundRules());
  EXPECT_EQ(chains["PREROUTING"], std::vector<Words>{rules.inboundJump()});
  EXPECT_EQ(chains["OUTPUT"], std::vector<Words>{rules.outboundJump()});
}

TEST(IptablesRunnerTest, FreshInstallCreatesChainsAndAddsJumps) {
  FakeIptables fake;
  const IptablesRules rules(InitOptions{}, AddressFamily::ipv4);
  IptablesRunner runner(fake, AddressFamily::ipv4);
  auto reports = runner.apply(rules.install());
  ASSERT_TRUE(reports) << reports.error();
  expectInstalled(fake, rules);
  ASSERT_EQ(reports->size(), 2U);
  const auto& in = (*reports)[0];
  EXPECT_EQ(in.chain, "WASMESH_INBOUND");
  EXPECT_EQ(in.parentChain, "PREROUTING");
  EXPECT_TRUE(in.created);
  EXPECT_FALSE(in.existed);
  EXPECT_EQ(in.rulesAppended, 2U);
  EXPECT_TRUE(in.jumpAdded);
  EXPECT_FALSE(in.jumpPresent);
  const auto& out = (*reports)[1];
  EXPECT_EQ(out.chain, "WASMESH_OUTPUT");
  EXPECT_EQ(out.parentChain, "OUTPUT");
  EXPECT_EQ(out.rulesAppended, 3U);
  // Every call carries -w: a concurrent iptables user (kube-proxy, CNI) must not make us fail.
  for (const auto& call : fake.calls)
    EXPECT_EQ(call.at(1), "-w");
}

TEST(IptablesRunnerTest, JumpIsAppendedOnlyWhenTheCheckFails) {
  FakeIptables fake;
  const IptablesRules rules(InitOptions{}, AddressFamily::ipv4);
  IptablesRunner runner(fake, AddressFamily::ipv4);
  ASSERT_TRUE(runner.apply(rules.install()));
  auto second = runner.apply(rules.install());
  ASSERT_TRUE(second) << second.error();
  expectInstalled(fake, rules);

  const auto appendJump = withArgs({"-w", "-t", "nat", "-A", "PREROUTING"}, rules.inboundJump());
  const auto checkJump = withArgs({"-w", "-t", "nat", "-C", "PREROUTING"}, rules.inboundJump());
  EXPECT_EQ(fake.count("iptables", checkJump), 2U);
  EXPECT_EQ(fake.count("iptables", appendJump), 1U);
  EXPECT_TRUE((*second)[0].existed);
  EXPECT_FALSE((*second)[0].created);
  EXPECT_TRUE((*second)[0].jumpPresent);
  EXPECT_FALSE((*second)[0].jumpAdded);
  EXPECT_TRUE((*second)[1].jumpPresent);
}

TEST(IptablesRunnerTest, ChainAlreadyExistsIsTolerated) {
  FakeIptables fake;
  // Someone (an earlier, interrupted run) left an empty chain behind.
  fake.table("iptables").chains["WASMESH_INBOUND"] = {{"-j", "RETURN"}};
  const IptablesRules rules(InitOptions{}, AddressFamily::ipv4);
  IptablesRunner runner(fake, AddressFamily::ipv4);
  auto reports = runner.apply(rules.install());
  ASSERT_TRUE(reports) << reports.error();
  EXPECT_TRUE((*reports)[0].existed);
  EXPECT_TRUE((*reports)[1].created);
  // The stale rule was flushed, not kept in front of ours.
  expectInstalled(fake, rules);
}

TEST(IptablesRunnerTest, ReinstallWithNewOptionsReplacesTheRules) {
  FakeIptables fake;
  IptablesRunner runner(fake, AddressFamily::ipv4);
  ASSERT_TRUE(runner.apply(IptablesRules(InitOptions{}, AddressFamily::ipv4).install()));
  InitOptions changed;
  changed.skipOutboundPorts = parsePortSet("3306").value();
  const IptablesRules rules(changed, AddressFamily::ipv4);
  ASSERT_TRUE(runner.apply(rules.install()));
  expectInstalled(fake, rules);
}

TEST(IptablesRunnerTest, OtherCreateFailuresAreErrors) {
  FakeIptables fake;
  fake.override = [](const Words& argv) -> std::optional<CommandOutput> {
    if (argv.at(4) == "-N") {
      return CommandOutput{4, "",
                           "iptables v1.8.9 (nf_tables): Could not fetch rule set "
                           "generation id: Permission denied (you must be root)\n"};
    }
    return std::nullopt;
  };
  IptablesRunner runner(fake, AddressFamily::ipv4);
  auto reports = runner.apply(IptablesRules(InitOptions{}, AddressFamily::ipv4).install());
  ASSERT_FALSE(reports);
  EXPECT_EQ(reports.error(),
            "`iptables -w -t nat -N WASMESH_INBOUND` failed with exit status 4: iptables v1.8.9 "
            "(nf_tables): Could not fetch rule set generation id: Permission denied (you must be "
            "root)");
  EXPECT_EQ(fake.calls.size(), 1U);  // stopped at the first failure
}

TEST(IptablesRunnerTest, FailedAppendNamesTheCommandAndIptablesMessage) {
  FakeIptables fake;
  fake.override = [](const Words& argv) -> std::optional<CommandOutput> {
    if (argv.at(4) == "-A" && argv.at(5) == "WASMESH_OUTPUT" && argv.at(6) == "-m") {
      return CommandOutput{2, "",
                           "iptables v1.8.9 (nf_tables): Couldn't load match `owner':No such file "
                           "or directory\n\nTry `iptables -h' or 'iptables --help' for more "
                           "information.\n"};
    }
    return std::nullopt;
  };
  IptablesRunner runner(fake, AddressFamily::ipv4);
  auto reports = runner.apply(IptablesRules(InitOptions{}, AddressFamily::ipv4).install());
  ASSERT_FALSE(reports);
  EXPECT_EQ(reports.error(),
            "`iptables -w -t nat -A WASMESH_OUTPUT -m owner --uid-owner 2102 -m comment --comment "
            "wasmesh/ignore-proxy-uid -j RETURN` failed with exit status 2: iptables v1.8.9 "
            "(nf_tables): Couldn't load match `owner':No such file or directory");
}

TEST(IptablesRunnerTest, MissingProgramIsAClearError) {
  FakeIptables fake;
  fake.missingPrograms.insert("ip6tables");
  IptablesRunner runner(fake, AddressFamily::ipv6);
  auto probe = runner.probe();
  ASSERT_FALSE(probe);
  EXPECT_EQ(probe.error(),
            "cannot run `ip6tables -w -t nat -S PREROUTING`: No such file or directory");
}

TEST(IptablesRunnerTest, ProbeReportsUnsupportedNat) {
  FakeIptables fake;
  fake.override = [](const Words&) -> std::optional<CommandOutput> {
    return CommandOutput{3, "",
                         "ip6tables v1.8.9 (nf_tables): can't initialize ip6tables table "
                         "`nat': Table does not exist (do you need to insmod?)\n"};
  };
  IptablesRunner runner(fake, AddressFamily::ipv6);
  auto probe = runner.probe();
  ASSERT_FALSE(probe);
  EXPECT_NE(probe.error().find("Table does not exist"), std::string::npos);
  IptablesRunner working(fake, AddressFamily::ipv4);
  fake.override = nullptr;
  EXPECT_TRUE(working.probe());
}

TEST(IptablesRunnerTest, UninstallRemovesEveryJumpAndBothChains) {
  FakeIptables fake;
  const IptablesRules rules(InitOptions{}, AddressFamily::ipv4);
  IptablesRunner runner(fake, AddressFamily::ipv4);
  ASSERT_TRUE(runner.apply(rules.install()));
  // A jump added twice by hand (or by an old buggy version) must go too.
  fake.table("iptables").chains["PREROUTING"].push_back(rules.inboundJump());
  fake.table("iptables")
      .chains["PREROUTING"]
      .insert(fake.table("iptables").chains["PREROUTING"].begin(), Words{"-j", "ACCEPT"});

  auto reports = runner.apply(rules.uninstall());
  ASSERT_TRUE(reports) << reports.error();
  auto& chains = fake.table("iptables").chains;
  EXPECT_EQ(chains.count("WASMESH_INBOUND"), 0U);
  EXPECT_EQ(chains.count("WASMESH_OUTPUT"), 0U);
  EXPECT_EQ(chains["PREROUTING"], (std::vector<Words>{{"-j", "ACCEPT"}}));  // others' rules stay
  EXPECT_TRUE(chains["OUTPUT"].empty());
  ASSERT_EQ(reports->size(), 2U);
  EXPECT_EQ((*reports)[0].jumpsDeleted, 2U);
  EXPECT_TRUE((*reports)[0].removed);
  EXPECT_EQ((*reports)[1].jumpsDeleted, 1U);
  EXPECT_TRUE((*reports)[1].removed);
}

TEST(IptablesRunnerTest, UninstallWithNothingInstalledSucceeds) {
  FakeIptables fake;
  IptablesRunner runner(fake, AddressFamily::ipv4);
  auto reports = runner.apply(IptablesRules(InitOptions{}, AddressFamily::ipv4).uninstall());
  ASSERT_TRUE(reports) << reports.error();
  for (const auto& report : *reports) {
    EXPECT_EQ(report.jumpsDeleted, 0U);
    EXPECT_FALSE(report.removed);
    EXPECT_TRUE(report.wasMissing);
  }
  // Only checks, flushes and deletes were tried; nothing was deleted from PREROUTING/OUTPUT.
  for (const auto& call : fake.calls)
    EXPECT_NE(call.at(4), "-D");
}

TEST(IptablesRunnerTest, UninstallGivesUpOnAJumpThatKeepsComingBack) {
  FakeIptables fake;
  fake.override = [](const Words& argv) -> std::optional<CommandOutput> {
    if (argv.at(4) == "-C" || argv.at(4) == "-D")
      return CommandOutput{};
    return std::nullopt;
  };
  IptablesRunner runner(fake, AddressFamily::ipv4);
  auto reports = runner.apply(IptablesRules(InitOptions{}, AddressFamily::ipv4).uninstall());
  ASSERT_FALSE(reports);
  EXPECT_NE(reports.error().find("still finds the rule after 64 deletions"), std::string::npos);
}

TEST(IptablesRunnerTest, PrintPlanWritesOneShellLinePerStep) {
  std::ostringstream out;
  IptablesRunner::printPlan(AddressFamily::ipv6,
                            IptablesRules(InitOptions{}, AddressFamily::ipv6).uninstall(), out);
  EXPECT_EQ(out.str(),
            "ip6tables -t nat -D PREROUTING -m comment --comment wasmesh/intercept-inbound -j "
            "WASMESH_INBOUND\n"
            "ip6tables -t nat -D OUTPUT -m comment --comment wasmesh/intercept-outbound -j "
            "WASMESH_OUTPUT\n"
            "ip6tables -t nat -F WASMESH_INBOUND\n"
            "ip6tables -t nat -X WASMESH_INBOUND\n"
            "ip6tables -t nat -F WASMESH_OUTPUT\n"
            "ip6tables -t nat -X WASMESH_OUTPUT\n");
}

}  // namespace
}  // namespace wasmesh::deploy
