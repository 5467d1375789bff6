#include "ProxyCommand.h"

#include <spdlog/spdlog.h>

#include <iostream>

#include "Logging.h"
#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/ConfigLoader.h"
#include "wasmesh/proxy/ProxyRuntime.h"

namespace wasmesh::app {
namespace {

void printConfig(const proxy::Config& config) {
  const auto list = [](const auto& endpoints) {
    std::string out;
    for (const auto& endpoint : endpoints) {
      out += (out.empty() ? "" : ", ") + formatSocketAddress(endpoint);
    }
    return "[" + out + "]";
  };
  const auto limit = [](std::uint32_t connections) {
    return connections == 0 ? std::string("auto") : std::to_string(connections);
  };
  std::cout << "workers: " << config.workers << "\n"
            << "shutdown_grace_period: " << formatDuration(config.shutdownGracePeriod) << "\n"
            << "admin.listen: " << formatSocketAddress(config.adminListen) << "\n"
            << "admin.shutdown_enabled: " << (config.adminShutdownEnabled ? "true" : "false")
            << "\n"
            << "inbound.listen: " << list(config.inbound.listen) << "\n"
            << "inbound.max_connections: " << limit(config.inbound.maxConnections) << "\n"
            << "inbound.default_policy: " << policy::defaultPolicyName(config.inboundDefaultPolicy)
            << "\n"
            << "outbound.listen: " << list(config.outbound.listen) << "\n"
            << "outbound.max_connections: " << limit(config.outbound.maxConnections) << "\n";
  for (const auto& route : config.routes) {
    std::cout << "route " << route.name << ": " << formatSocketAddress(route.listen) << " -> "
              << formatSocketAddress(route.target) << "\n";
  }
}

}  // namespace

int runProxy(const ProxyOptions& options) {
  if (options.printDefaults) {
    std::cout << proxy::defaultConfigYaml();
    return 0;
  }
  proxy::Config config;
  try {
    config = proxy::loadConfig(options.configPath, proxy::processEnvironment());
  } catch (const proxy::ConfigError& error) {
    std::cerr << "wasmesh: configuration error: " << error.what() << "\n";
    return 2;
  }
  if (options.checkOnly) {
    printConfig(config);
    return 0;
  }
  configureLogging(config.logLevel, config.logFormat);
  try {
    proxy::ProxyRuntime runtime(std::move(config));
    return runtime.run();
  } catch (const proxy::StartupError& error) {
    spdlog::critical("cannot start: {}", error.what());
    return 1;
  }
}

}  // namespace wasmesh::app
