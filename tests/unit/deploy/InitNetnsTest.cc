// Runs the real iptables inside a throwaway network namespace: proves the generated rules are
// accepted by the kernel, that a second install changes nothing, and that uninstall cleans up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "wasmesh/deploy/IptablesRules.h"
#include "wasmesh/deploy/ProcessRunner.h"
#include "wasmesh/deploy/RunInit.h"

namespace wasmesh::deploy {
namespace {

// Creates the namespace and deletes it whatever the test does.
class Netns {
 public:
  Netns() : name_("wasmesh-init-test-" + std::to_string(::getpid())) {
    ProcessRunner host;
    // A namespace left over by a crashed run with a recycled pid would make `add` fail.
    (void)host.run({"ip", "netns", "del", name_});
    auto added = host.run({"ip", "netns", "add", name_});
    created_ = added && added->exitStatus == 0;
    if (!created_ && added)
      error_ = added->standardError;
    if (!added)
      error_ = added.error().message();
  }
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns() {
    if (created_)
      (void)ProcessRunner().run({"ip", "netns", "del", name_});
  }
  bool created() const { return created_; }
  const std::string& error() const { return error_; }
  std::vector<std::string> prefix() const { return {"ip", "netns", "exec", name_}; }

 private:
  std::string name_;
  bool created_ = false;
  std::string error_;
};

std::string join(const std::vector<std::string>& words) {
  std::string line;
  for (const auto& word : words) {
    if (!line.empty())
      line += ' ';
    // iptables-save quotes comments; nothing else we write needs quoting.
    line += word.rfind("wasmesh/", 0) == 0 ? "\"" + word + "\"" : word;
  }
  return line;
}

// The lines iptables-save prints for our install, in order.
std::vector<std::string> expectedSaveLines(const IptablesRules& rules) {
  std::vector<std::string> lines;
  for (const auto& step : rules.install()) {
    if (step.args.at(2) != "-A")
      continue;
    lines.push_back(join(std::vector<std::string>(step.args.begin() + 2, step.args.end())));
  }
  return lines;
}

std::size_t occurrences(const std::string& text, const std::string& line) {
  std::size_t count = 0;
  std::istringstream in(text);
  for (std::string got; std::getline(in, got);)
    count += got == line ? 1 : 0;
  return count;
}

// Runs install or uninstall; clears `ipv6` when the kernel has no IPv6 nat (runInit then warns
// and writes IPv4 rules only, which is checked elsewhere).
int install(ProcessRunner& runner, const InitOptions& options, bool uninstall, bool& ipv6) {
  std::ostringstream out;
  std::ostringstream err;
  const int status = runInit(options, false, uninstall, runner, out, err);
  if (err.str().find("warning: IPv6 rules skipped") != std::string::npos) {
    ipv6 = false;
  } else {
    EXPECT_EQ(err.str(), "");
  }
  return status;
}

TEST(InitNetnsTest, RealInstallIsIdempotentAndUninstallCleansUp) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "skipped: needs root";
  Netns netns;
  ASSERT_TRUE(netns.created()) << "ip netns add failed: " << netns.error();
  ProcessRunner runner(netns.prefix());

  InitOptions options;
  options.skipInboundPorts = parsePortSet("22,8000-8100").value();
  // 20 ports: two multiport rules.
  options.skipOutboundPorts =
      parsePortSet(
          "3306,6379,5432,11211,25,587,4222,6222,7422,9300,4444,1000-1010,2000,2001,2002,2003,2004")
          .value();
  options.skipSubnets = parseCidrList("10.96.0.0/12,169.254.169.254,fd00::/8").value();

  bool ipv6 = true;
  ASSERT_EQ(install(runner, options, false, ipv6), 0);
  ASSERT_EQ(install(runner, options, false, ipv6), 0);

  for (const auto family : {AddressFamily::ipv4, AddressFamily::ipv6}) {
    if (family == AddressFamily::ipv6 && !ipv6)
      continue;
    const std::string save = family == AddressFamily::ipv4 ? "iptables-save" : "ip6tables-save";
    auto dump = runner.run({save, "-t", "nat"});
    ASSERT_TRUE(dump) << dump.error().message();
    ASSERT_EQ(dump->exitStatus, 0) << dump->standardError;
    const IptablesRules rules(options, family);
    for (const auto& line : expectedSaveLines(rules)) {
      EXPECT_EQ(occurrences(dump->standardOutput, line), 1U)
          << save << " lacks or repeats: " << line << "\n"
          << dump->standardOutput;
    }
    // Nothing of ours beyond the expected lines (e.g. a second jump with other words).
    std::size_t ours = 0;
    std::istringstream in(dump->standardOutput);
    for (std::string line; std::getline(in, line);) {
      ours += line.rfind("-A ", 0) == 0 && line.find("WASMESH") != std::string::npos ? 1 : 0;
    }
    EXPECT_EQ(ours, expectedSaveLines(rules).size()) << dump->standardOutput;
  }

  ASSERT_EQ(install(runner, options, true, ipv6), 0);
  ASSERT_EQ(install(runner, options, true, ipv6), 0);  // nothing left: still succeeds
  for (const std::string save : {"iptables-save", "ip6tables-save"}) {
    if (save == "ip6tables-save" && !ipv6)
      continue;
    auto dump = runner.run({save, "-t", "nat"});
    ASSERT_TRUE(dump);
    EXPECT_EQ(dump->standardOutput.find("WASMESH"), std::string::npos) << dump->standardOutput;
  }
}

}  // namespace
}  // namespace wasmesh::deploy
