#include "wasmesh/deploy/InitCommandLine.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <limits>
#include <string>
#include <vector>

namespace wasmesh::deploy {
namespace {

using Values = std::vector<std::string>;

[[noreturn]] void reject(const std::string& flag, const std::string& value,
                         const std::string& why) {
  throw CLI::ValidationError(flag, "\"" + value + "\" " + why);
}

std::uint16_t portValue(const std::string& flag, const std::string& value) {
  auto port = parsePort(value);
  if (!port)
    reject(flag, value, port.error().message());
  return *port;
}

// Repeating a list flag adds to it, so `--skip-outbound-ports 25 --skip-outbound-ports 587`
// means both; giving it at all replaces the default.
PortSet portSetValue(const std::string& flag, const Values& values) {
  std::vector<PortSet::Range> ranges;
  for (const auto& value : values) {
    auto ports = parsePortSet(value);
    if (!ports)
      reject(flag, value, ports.error().message());
    ranges.insert(ranges.end(), ports->ranges().begin(), ports->ranges().end());
  }
  return PortSet{std::move(ranges)};
}

void addPortSetOption(CLI::App& app, const std::string& flag, PortSet& target,
                      const std::string& description) {
  app.add_option_function<Values>(
         flag, [flag, &target](const Values& values) { target = portSetValue(flag, values); },
         description)
      ->type_name("PORTS")
      ->default_str(target.toString());
}

}  // namespace

void addInitOptions(CLI::App& subcommand, InitOptions& options, bool& dryRun, bool& uninstall) {
  subcommand
      .add_option_function<std::string>(
          "--proxy-uid",
          [&options](const std::string& value) {
            std::uint32_t uid = 0;
            const auto* end = value.data() + value.size();
            const auto [ptr, ec] = std::from_chars(value.data(), end, uid);
            if (value.empty() || ec != std::errc{} || ptr != end ||
                uid == std::numeric_limits<std::uint32_t>::max()) {
              reject("--proxy-uid", value, "is not a user id");
            }
            options.proxyUid = uid;
          },
          "uid the proxy runs as; its own connections are never redirected")
      ->type_name("UID")
      ->default_str(std::to_string(options.proxyUid));
  subcommand
      .add_option_function<std::string>(
          "--inbound-port",
          [&options](const std::string& value) {
            options.inboundPort = portValue("--inbound-port", value);
          },
          "proxy port inbound TCP connections are redirected to")
      ->type_name("PORT")
      ->default_str(std::to_string(options.inboundPort));
  subcommand
      .add_option_function<std::string>(
          "--outbound-port",
          [&options](const std::string& value) {
            options.outboundPort = portValue("--outbound-port", value);
          },
          "proxy port outbound TCP connections are redirected to")
      ->type_name("PORT")
      ->default_str(std::to_string(options.outboundPort));
  subcommand
      .add_option_function<std::string>(
          "--admin-port",
          [&options](const std::string& value) {
            options.adminPort = portValue("--admin-port", value);
          },
          "the proxy's admin port (admin.listen); never redirected, whatever "
          "--ignore-inbound-ports says")
      ->type_name("PORT")
      ->default_str(std::to_string(options.adminPort));
  addPortSetOption(subcommand, "--ignore-inbound-ports", options.inboundPortsToIgnore,
                   "inbound ports that reach the proxy itself and are never redirected "
                   "(admin, tap); replaces the default");
  addPortSetOption(subcommand, "--skip-inbound-ports", options.skipInboundPorts,
                   "inbound ports that bypass the proxy (e.g. 25,8000-8100)");
  addPortSetOption(subcommand, "--skip-outbound-ports", options.skipOutboundPorts,
                   "outbound destination ports that bypass the proxy (e.g. 3306,6379)");
  subcommand
      .add_option_function<Values>(
          "--skip-subnets",
          [&options](const Values& values) {
            std::vector<Cidr> cidrs;
            for (const auto& value : values) {
              auto parsed = parseCidrList(value);
              if (!parsed)
                reject("--skip-subnets", value, parsed.error().message());
              cidrs.insert(cidrs.end(), parsed->begin(), parsed->end());
            }
            options.skipSubnets = std::move(cidrs);
          },
          "outbound destination CIDRs that bypass the proxy (IPv4 and IPv6, comma-separated)")
      ->type_name("CIDRS");
  subcommand.add_flag_callback(
      "--no-ipv6", [&options] { options.ipv6 = false; },
      "write IPv4 rules only (by default IPv6 rules are written when ip6tables nat works)");
  subcommand.add_flag("--dry-run", dryRun, "print the iptables commands instead of running them");
  subcommand.add_flag("--uninstall", uninstall,
                      "remove wasmesh's chains and jumps instead of installing them");
}

}  // namespace wasmesh::deploy
