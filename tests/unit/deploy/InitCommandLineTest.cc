#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "wasmesh/deploy/InitCommandLine.h"

namespace wasmesh::deploy {
namespace {

// The same shape proxy/app uses: `wasmesh init ...`.
struct Parsed {
  InitOptions options;
  bool dryRun = false;
  bool uninstall = false;
};

// Words as main() gets them in argv (after the program name), so "" stays an argument.
Parsed parseWords(std::vector<std::string> words) {
  Parsed parsed;
  CLI::App app{"wasmesh"};
  auto* init = app.add_subcommand("init", "write the pod's iptables rules");
  addInitOptions(*init, parsed.options, parsed.dryRun, parsed.uninstall);
  // CLI11 takes a vector in reverse order.
  std::reverse(words.begin(), words.end());
  app.parse(words);
  return parsed;
}

Parsed parse(const std::string& commandLine) {
  std::vector<std::string> words;
  std::istringstream in(commandLine);
  for (std::string word; in >> word;)
    words.push_back(word);
  return parseWords(std::move(words));
}

// The message CLI11 fails with, or "" when the command line parses.
std::string failure(const std::string& commandLine) {
  try {
    parse(commandLine);
  } catch (const CLI::ParseError& error) {
    return error.what();
  }
  return "";
}

TEST(InitCommandLineTest, DefaultsAreLinkerds) {
  const auto parsed = parse("init");
  EXPECT_EQ(parsed.options.proxyUid, 2102U);
  EXPECT_EQ(parsed.options.inboundPort, 4143);
  EXPECT_EQ(parsed.options.outboundPort, 4140);
  EXPECT_EQ(parsed.options.inboundPortsToIgnore.toString(), "4190-4191");
  EXPECT_TRUE(parsed.options.skipInboundPorts.empty());
  EXPECT_TRUE(parsed.options.skipOutboundPorts.empty());
  EXPECT_TRUE(parsed.options.skipSubnets.empty());
  EXPECT_TRUE(parsed.options.ipv6);
  EXPECT_EQ(parsed.options.chainPrefix, "WASMESH");
  EXPECT_FALSE(parsed.dryRun);
  EXPECT_FALSE(parsed.uninstall);
}

TEST(InitCommandLineTest, EveryFlagIsRead) {
  const auto parsed = parse(
      "init --proxy-uid 1337 --inbound-port 15006 --outbound-port 15001 --ignore-inbound-ports "
      "15020,15021 --skip-inbound-ports 22,8000-8100 --skip-outbound-ports 3306 --skip-subnets "
      "10.0.0.0/8,fd00::/8 --no-ipv6 --dry-run --uninstall");
  EXPECT_EQ(parsed.options.proxyUid, 1337U);
  EXPECT_EQ(parsed.options.inboundPort, 15006);
  EXPECT_EQ(parsed.options.outboundPort, 15001);
  EXPECT_EQ(parsed.options.inboundPortsToIgnore.toString(), "15020-15021");
  EXPECT_EQ(parsed.options.skipInboundPorts.toString(), "22,8000-8100");
  EXPECT_EQ(parsed.options.skipOutboundPorts.toString(), "3306");
  ASSERT_EQ(parsed.options.skipSubnets.size(), 2U);
  EXPECT_EQ(parsed.options.skipSubnets[1].toString(), "fd00::/8");
  EXPECT_FALSE(parsed.options.ipv6);
  EXPECT_TRUE(parsed.dryRun);
  EXPECT_TRUE(parsed.uninstall);
}

TEST(InitCommandLineTest, EqualsSyntaxAndRepeatedListFlagsAdd) {
  const auto parsed = parse(
      "init --skip-outbound-ports=25 --skip-outbound-ports 587,4222 --skip-subnets 10.0.0.0/8 "
      "--skip-subnets=192.168.0.0/16");
  EXPECT_EQ(parsed.options.skipOutboundPorts.toString(), "25,587,4222");
  EXPECT_EQ(parsed.options.skipSubnets.size(), 2U);
}

TEST(InitCommandLineTest, EmptyIgnoreListClearsTheDefault) {
  const auto parsed = parseWords({"init", "--ignore-inbound-ports", ""});
  EXPECT_TRUE(parsed.options.inboundPortsToIgnore.empty());
}

TEST(InitCommandLineTest, AdminPortIsParsed) {
  EXPECT_EQ(parseWords({"init"}).options.adminPort, 4191);
  EXPECT_EQ(parseWords({"init", "--admin-port", "9990"}).options.adminPort, 9990);
  EXPECT_EQ(failure("init --admin-port 0"), "--admin-port: \"0\" is not a port (1-65535)");
}

TEST(InitCommandLineTest, BadValuesNameTheFlagAndTheValue) {
  EXPECT_EQ(failure("init --inbound-port 0"), "--inbound-port: \"0\" is not a port (1-65535)");
  EXPECT_EQ(failure("init --outbound-port http"),
            "--outbound-port: \"http\" is not a port (1-65535)");
  EXPECT_EQ(failure("init --skip-inbound-ports 80,9x"),
            "--skip-inbound-ports: \"80,9x\" is not a port number (named ports are resolved by "
            "the injector, not the proxy)");
  EXPECT_EQ(failure("init --skip-inbound-ports 80,99999"),
            "--skip-inbound-ports: \"80,99999\" is not a port (1-65535)");
  EXPECT_EQ(failure("init --skip-outbound-ports 90-80"),
            "--skip-outbound-ports: \"90-80\" is not a port range (lo-hi with lo <= hi)");
  EXPECT_EQ(failure("init --ignore-inbound-ports 70000"),
            "--ignore-inbound-ports: \"70000\" is not a port (1-65535)");
  EXPECT_EQ(failure("init --skip-subnets 10.0.0.0/33"),
            "--skip-subnets: \"10.0.0.0/33\" is not a CIDR (10.0.0.0/8 or fd00::/8)");
  EXPECT_EQ(failure("init --proxy-uid -5"), "--proxy-uid: \"-5\" is not a user id");
  EXPECT_EQ(failure("init --proxy-uid 4294967295"), "--proxy-uid: \"4294967295\" is not a user id");
}

TEST(InitCommandLineTest, BadValuesAreValidationErrors) {
  try {
    parse("init --inbound-port 0");
    FAIL() << "no error";
  } catch (const CLI::ValidationError& error) {
    EXPECT_NE(error.get_exit_code(), 0);
  }
}

TEST(InitCommandLineTest, HelpListsEveryFlagWithDefaults) {
  CLI::App app{"wasmesh"};
  auto* init = app.add_subcommand("init", "write the pod's iptables rules");
  InitOptions options;
  bool dryRun = false;
  bool uninstall = false;
  addInitOptions(*init, options, dryRun, uninstall);
  const auto help = init->help();
  for (const char* flag :
       {"--proxy-uid", "--inbound-port", "--outbound-port", "--ignore-inbound-ports",
        "--skip-inbound-ports", "--skip-outbound-ports", "--skip-subnets", "--no-ipv6", "--dry-run",
        "--uninstall"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help.find("4190-4191"), std::string::npos) << help;
  EXPECT_NE(help.find("2102"), std::string::npos) << help;
}

}  // namespace
}  // namespace wasmesh::deploy
