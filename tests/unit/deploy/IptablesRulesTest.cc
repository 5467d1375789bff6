#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "wasmesh/deploy/IptablesRules.h"

namespace wasmesh::deploy {
namespace {

using Kind = IptablesCommand::Kind;
using Lines = std::vector<std::string>;

std::string join(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty())
      line += ' ';
    line += word;
  }
  return line;
}

// "<kind> <args>" per step: the whole plan in one readable golden value.
Lines golden(const std::vector<IptablesCommand>& plan) {
  Lines lines;
  for (const auto& step : plan) {
    const char* kind = "";
    switch (step.kind) {
      case Kind::run:
        kind = "run";
        break;
      case Kind::createChain:
        kind = "create";
        break;
      case Kind::appendIfMissing:
        kind = "ensure";
        break;
      case Kind::deleteAll:
        kind = "delete-all";
        break;
      case Kind::ignoreMissingChain:
        kind = "if-exists";
        break;
    }
    lines.push_back(std::string(kind) + ": " + join(step.args));
  }
  return lines;
}

Lines ruleLines(const std::vector<std::vector<std::string>>& rules) {
  Lines lines;
  for (const auto& rule : rules)
    lines.push_back(join(rule));
  return lines;
}

PortSet ports(const char* text) {
  return parsePortSet(text).value();
}

TEST(IptablesRulesTest, DefaultInstallIpv4) {
  const IptablesRules rules(InitOptions{}, AddressFamily::ipv4);
  const Lines expected{
      "create: -t nat -N WASMESH_INBOUND",
      "run: -t nat -F WASMESH_INBOUND",
      "run: -t nat -A WASMESH_INBOUND -p tcp -m multiport --dports 4190,4191 -m comment "
      "--comment wasmesh/ignore-inbound-ports -j RETURN",
      "run: -t nat -A WASMESH_INBOUND -p tcp -m comment --comment wasmesh/redirect-inbound -j "
      "REDIRECT --to-ports 4143",
      "ensure: -t nat -A PREROUTING -m comment --comment wasmesh/intercept-inbound -j "
      "WASMESH_INBOUND",
      "create: -t nat -N WASMESH_OUTPUT",
      "run: -t nat -F WASMESH_OUTPUT",
      "run: -t nat -A WASMESH_OUTPUT -m owner --uid-owner 2102 -m comment --comment "
      "wasmesh/ignore-proxy-uid -j RETURN",
      "run: -t nat -A WASMESH_OUTPUT -o lo -m comment --comment wasmesh/ignore-loopback -j RETURN",
      "run: -t nat -A WASMESH_OUTPUT -p tcp -m comment --comment wasmesh/redirect-outbound -j "
      "REDIRECT --to-ports 4140",
      "ensure: -t nat -A OUTPUT -m comment --comment wasmesh/intercept-outbound -j WASMESH_OUTPUT",
  };
  EXPECT_EQ(golden(rules.install()), expected);
}

TEST(IptablesRulesTest, DefaultInstallIpv6IsTheSameRuleSet) {
  // Without subnets nothing is family-specific: ip6tables gets the mirror image.
  const IptablesRules v4(InitOptions{}, AddressFamily::ipv4);
  const IptablesRules v6(InitOptions{}, AddressFamily::ipv6);
  EXPECT_EQ(v6.family(), AddressFamily::ipv6);
  EXPECT_EQ(golden(v6.install()), golden(v4.install()));
  EXPECT_EQ(iptablesProgram(AddressFamily::ipv4), "iptables");
  EXPECT_EQ(iptablesProgram(AddressFamily::ipv6), "ip6tables");
}

TEST(IptablesRulesTest, FullOptionsOrderFollowsLinkerd) {
  InitOptions options;
  options.proxyUid = 1337;
  options.inboundPort = 15006;
  options.outboundPort = 15001;
  options.skipInboundPorts = ports("22,8000-8100");
  options.skipOutboundPorts = ports("3306");
  options.skipSubnets = parseCidrList("10.0.0.0/8,fd00::/8,192.168.1.7").value();
  options.chainPrefix = "MESH";
  const IptablesRules rules(options, AddressFamily::ipv4);
  EXPECT_EQ(rules.inboundChain(), "MESH_INBOUND");
  EXPECT_EQ(rules.outboundChain(), "MESH_OUTPUT");
  EXPECT_EQ(ruleLines(rules.inboundRules()),
            (Lines{"-p tcp -m multiport --dports 22,4190,4191,8000:8100 -m comment --comment "
                   "wasmesh/ignore-inbound-ports -j RETURN",
                   "-p tcp -m comment --comment wasmesh/redirect-inbound -j REDIRECT --to-ports "
                   "15006"}));
  EXPECT_EQ(ruleLines(rules.outboundRules()),
            (Lines{"-m owner --uid-owner 1337 -m comment --comment wasmesh/ignore-proxy-uid -j "
                   "RETURN",
                   "-o lo -m comment --comment wasmesh/ignore-loopback -j RETURN",
                   "-p tcp -m multiport --dports 3306 -m comment --comment "
                   "wasmesh/skip-outbound-ports -j RETURN",
                   "-d 10.0.0.0/8 -m comment --comment wasmesh/skip-subnets -j RETURN",
                   "-d 192.168.1.7/32 -m comment --comment wasmesh/skip-subnets -j RETURN",
                   "-p tcp -m comment --comment wasmesh/redirect-outbound -j REDIRECT --to-ports "
                   "15001"}));
  EXPECT_EQ(join(rules.inboundJump()),
            "-m comment --comment wasmesh/intercept-inbound -j MESH_INBOUND");
  EXPECT_EQ(join(rules.outboundJump()),
            "-m comment --comment wasmesh/intercept-outbound -j MESH_OUTPUT");
}

TEST(IptablesRulesTest, TheAdminPortIsIgnoredWhateverTheIgnoreList) {
  InitOptions options;
  options.inboundPortsToIgnore = PortSet{};
  options.adminPort = 9990;
  const IptablesRules rules(options, AddressFamily::ipv4);
  EXPECT_EQ(ruleLines(rules.inboundRules()).front(),
            "-p tcp -m multiport --dports 9990 -m comment --comment "
            "wasmesh/ignore-inbound-ports -j RETURN");
}

TEST(IptablesRulesTest, SkipSubnetsAreSplitByFamily) {
  InitOptions options;
  options.skipSubnets = parseCidrList("10.0.0.0/8, fd00::/8, 172.16.0.0/12, 2001:db8::1").value();
  const auto subnetRules = [&](AddressFamily family) {
    Lines lines;
    for (const auto& rule : IptablesRules(options, family).outboundRules()) {
      if (rule.size() > 1 && rule[0] == "-d")
        lines.push_back(rule[1]);
    }
    return lines;
  };
  EXPECT_EQ(subnetRules(AddressFamily::ipv4), (Lines{"10.0.0.0/8", "172.16.0.0/12"}));
  EXPECT_EQ(subnetRules(AddressFamily::ipv6), (Lines{"fd00::/8", "2001:db8::1/128"}));
}

TEST(IptablesRulesTest, SubnetHostBitsAreMaskedLikeIptablesSave) {
  InitOptions options;
  options.skipSubnets = parseCidrList("10.1.2.3/8,192.168.77.1/20,fd12:3456::1/16,::/0").value();
  const auto v4 = IptablesRules(options, AddressFamily::ipv4).outboundRules();
  EXPECT_EQ(v4[2][1], "10.0.0.0/8");
  EXPECT_EQ(v4[3][1], "192.168.64.0/20");
  const auto v6 = IptablesRules(options, AddressFamily::ipv6).outboundRules();
  EXPECT_EQ(v6[2][1], "fd12::/16");
  EXPECT_EQ(v6[3][1], "::/0");
}

TEST(IptablesRulesTest, MultiportSplitsTwentySinglePortsAtFifteen) {
  const auto lists = IptablesRules::multiportLists(
      ports("1001,1003,1005,1007,1009,1011,1013,1015,1017,1019,1021,1023,1025,1027,1029,"
            "1031,1033,1035,1037,1039"));
  EXPECT_EQ(lists, (Lines{"1001,1003,1005,1007,1009,1011,1013,1015,1017,1019,1021,1023,1025,"
                          "1027,1029",
                          "1031,1033,1035,1037,1039"}));
}

TEST(IptablesRulesTest, MultiportRangesCountTwo) {
  // Seven ranges (14 slots) and one port fill a rule exactly; the next range starts a new one.
  const auto lists = IptablesRules::multiportLists(
      ports("100-109,200-209,300-309,400-409,500-509,600-609,700-709,800,900-909"));
  EXPECT_EQ(lists,
            (Lines{"100:109,200:209,300:309,400:409,500:509,600:609,700:709,800", "900:909"}));
  // A range never straddles two rules: with 14 slots used, a range needs a new rule.
  const auto straddle =
      IptablesRules::multiportLists(ports("1,3,5,7,9,11,13,15,17,19,21,23,25,27,40-50"));
  EXPECT_EQ(straddle, (Lines{"1,3,5,7,9,11,13,15,17,19,21,23,25,27", "40:50"}));
  // Two ports and seven ranges are 16 slots: two rules.
  EXPECT_EQ(IptablesRules::multiportLists(ports("10-11,20-28,30-38,40-48,50-58,60-68,70-78,80-88")),
            (Lines{"10,11,20:28,30:38,40:48,50:58,60:68,70:78", "80:88"}));
}

TEST(IptablesRulesTest, MultiportEdgeCases) {
  EXPECT_TRUE(IptablesRules::multiportLists(PortSet{}).empty());
  EXPECT_EQ(IptablesRules::multiportLists(ports("1-65535")), (Lines{"1:65535"}));
  EXPECT_EQ(IptablesRules::multiportLists(ports("4191,4190")), (Lines{"4190,4191"}));
}

TEST(IptablesRulesTest, LongPortListsBecomeSeveralRules) {
  InitOptions options;
  std::string many;
  for (int port = 5000; port < 5040; port += 2)
    many += std::to_string(port) + ",";
  options.skipOutboundPorts = ports(many.c_str());
  options.skipInboundPorts = ports(many.c_str());
  const IptablesRules rules(options, AddressFamily::ipv4);
  // 20 skip ports + 4190,4191 = 22 slots inbound, 20 outbound: two rules each.
  const auto in = rules.inboundRules();
  ASSERT_EQ(in.size(), 3U);
  EXPECT_EQ(in[0][5], "4190,4191,5000,5002,5004,5006,5008,5010,5012,5014,5016,5018,5020,5022,5024");
  EXPECT_EQ(in[1][5], "5026,5028,5030,5032,5034,5036,5038");
  const auto out = rules.outboundRules();
  ASSERT_EQ(out.size(), 5U);  // uid, lo, two port rules, redirect
  for (const auto& rule : {out[2], out[3]})
    EXPECT_EQ(rule[9], "wasmesh/skip-outbound-ports");
}

TEST(IptablesRulesTest, EveryRuleCarriesAWasmeshComment) {
  InitOptions options;
  options.skipInboundPorts = ports("1-20,30,40,50");
  options.skipOutboundPorts = ports("25,587");
  options.skipSubnets = parseCidrList("10.0.0.0/8,fd00::/8").value();
  for (const auto family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
    const IptablesRules rules(options, family);
    std::size_t appends = 0;
    for (const auto& step : rules.install()) {
      if (step.args[2] != "-A")
        continue;
      ++appends;
      const auto line = join(step.args);
      EXPECT_NE(line.find(" -m comment --comment wasmesh/"), std::string::npos) << line;
    }
    EXPECT_EQ(appends, 2U + 6U + 1U);  // inbound 1+1+jump, outbound 5+1 subnet, jump
  }
}

TEST(IptablesRulesTest, EmptyIgnoreListsLeaveTheAdminPortAndTheRedirect) {
  InitOptions options;
  options.inboundPortsToIgnore = PortSet{};
  const auto in = IptablesRules(options, AddressFamily::ipv4).inboundRules();
  ASSERT_EQ(in.size(), 2U);
  EXPECT_EQ(join(in[0]),
            "-p tcp -m multiport --dports 4191 -m comment --comment "
            "wasmesh/ignore-inbound-ports -j RETURN");
  EXPECT_EQ(in[1].back(), "4143");
}

TEST(IptablesRulesTest, UninstallDeletesJumpsBeforeChains) {
  const IptablesRules rules(InitOptions{}, AddressFamily::ipv6);
  const Lines expected{
      "delete-all: -t nat -D PREROUTING -m comment --comment wasmesh/intercept-inbound -j "
      "WASMESH_INBOUND",
      "delete-all: -t nat -D OUTPUT -m comment --comment wasmesh/intercept-outbound -j "
      "WASMESH_OUTPUT",
      "if-exists: -t nat -F WASMESH_INBOUND",
      "if-exists: -t nat -X WASMESH_INBOUND",
      "if-exists: -t nat -F WASMESH_OUTPUT",
      "if-exists: -t nat -X WASMESH_OUTPUT",
  };
  EXPECT_EQ(golden(rules.uninstall()), expected);
}

TEST(IptablesRulesTest, CheckArgsReplaceTheOperation) {
  const auto install = IptablesRules(InitOptions{}, AddressFamily::ipv4).install();
  EXPECT_EQ(join(install[4].checkArgs()),
            "-t nat -C PREROUTING -m comment --comment wasmesh/intercept-inbound -j "
            "WASMESH_INBOUND");
  const auto uninstall = IptablesRules(InitOptions{}, AddressFamily::ipv4).uninstall();
  EXPECT_EQ(join(uninstall[1].checkArgs()),
            "-t nat -C OUTPUT -m comment --comment wasmesh/intercept-outbound -j WASMESH_OUTPUT");
}

TEST(IptablesRulesTest, ValidateRefusesUnusableOptions) {
  EXPECT_EQ(validateInitOptions(InitOptions{}), "");
  InitOptions options;
  options.chainPrefix = "";
  EXPECT_NE(validateInitOptions(options), "");
  options.chainPrefix = "TWENTY_ONE_CHARACTERS";
  EXPECT_NE(validateInitOptions(options).find("TWENTY_ONE_CHARACTERS"), std::string::npos);
  options.chainPrefix = "TWENTY_CHARACTERS_OK";
  EXPECT_EQ(validateInitOptions(options), "");
  options.chainPrefix = "-A";
  EXPECT_NE(validateInitOptions(options), "");
  options = InitOptions{};
  options.inboundPort = 0;
  EXPECT_NE(validateInitOptions(options).find("inbound port"), std::string::npos);
}

}  // namespace
}  // namespace wasmesh::deploy
