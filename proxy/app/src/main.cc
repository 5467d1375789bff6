// wasmesh: one binary, one subcommand per job. Exit status: 0 success, 1 runtime failure,
// 2 bad usage or configuration (the message names the flag or key and the value).
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>
#include <string>

#include "AwaitCommand.h"
#include "DemoCommand.h"
#include "IdentityCommand.h"
#include "IdentityServeCommand.h"
#include "InjectCommand.h"
#include "InjectorServeCommand.h"
#include "InstallCommand.h"
#include "ProxyCommand.h"
#include "WasmCommand.h"
#include "wasmesh/deploy/InitCommandLine.h"
#include "wasmesh/deploy/RunInit.h"

int main(int argc, char** argv) {
  CLI::App app{"wasmesh: a service-mesh sidecar for WebAssembly workloads"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "wasmesh 0.1.0");

  auto* proxy = app.add_subcommand("proxy", "Run the sidecar proxy (inbound, outbound, admin)");
  wasmesh::app::ProxyOptions proxyOptions;
  proxy->add_option("--config", proxyOptions.configPath, "YAML configuration file");
  proxy->add_flag("--print-defaults", proxyOptions.printDefaults,
                  "Print the built-in configuration as YAML and exit");
  proxy->add_flag("--check", proxyOptions.checkOnly,
                  "Load and validate the configuration, print it, and exit");

  auto* init = app.add_subcommand("init", "Install the pod's iptables interception rules");
  wasmesh::deploy::InitOptions initOptions;
  bool initDryRun = false;
  bool initUninstall = false;
  wasmesh::deploy::addInitOptions(*init, initOptions, initDryRun, initUninstall);

  auto* demo = app.add_subcommand("demo", "Run a local mesh on loopback (no root, no cluster)");
  wasmesh::app::DemoOptions demoOptions;
  demo->add_option("--base-port", demoOptions.basePort,
                   "First of the loopback ports the demo uses (base .. base+99)")
      ->check(CLI::Range(1024, 65435));
  demo->add_option("--rounds", demoOptions.rounds,
                   "Stop after this many rounds of traffic (default: run until Ctrl-C)");

  auto* identity = app.add_subcommand("identity", "Mesh identities: the CA and certificates");
  identity->require_subcommand(1);
  wasmesh::app::IdentityOptions identityOptions;
  wasmesh::app::addIdentityCommands(*identity, identityOptions);
  auto* serve = identity->add_subcommand(
      "serve", "Run the identity service: sign CSRs over HTTPS for proxies with valid tokens");
  wasmesh::app::IdentityServeOptions serveOptions;
  wasmesh::app::addIdentityServeOptions(*serve, serveOptions);

  auto* wasm = app.add_subcommand("wasm", "Inspect and run WebAssembly modules");
  wasm->require_subcommand(1);
  wasmesh::app::WasmOptions wasmOptions;
  wasmesh::app::addWasmCommands(*wasm, wasmOptions);

  auto* inject = app.add_subcommand(
      "inject", "Add the sidecar to Kubernetes manifests (YAML or JSON) whose annotations ask");
  wasmesh::app::InjectOptions injectOptions;
  wasmesh::app::addInjectOptions(*inject, injectOptions, false);
  auto* uninject =
      app.add_subcommand("uninject", "Remove from Kubernetes manifests what inject added");
  wasmesh::app::InjectOptions uninjectOptions;
  wasmesh::app::addInjectOptions(*uninject, uninjectOptions, true);

  auto* install = app.add_subcommand(
      "install", "Print the control plane's manifests (identity, injector, Prometheus)");
  wasmesh::app::InstallCommandOptions installOptions;
  wasmesh::app::addInstallOptions(*install, installOptions);

  auto* injector = app.add_subcommand("injector", "The proxy injector (admission webhook)");
  injector->require_subcommand(1);
  auto* injectorServe = injector->add_subcommand(
      "serve", "Serve the mutating admission webhook that injects the sidecar into new pods");
  wasmesh::app::InjectorServeOptions injectorServeOptions;
  wasmesh::app::addInjectorServeOptions(*injectorServe, injectorServeOptions);

  auto* await = app.add_subcommand(
      "await", "Wait until the proxy is ready (a postStart hook of the proxy container)");
  wasmesh::app::AwaitOptions awaitOptions;
  wasmesh::app::addAwaitOptions(*await, awaitOptions);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : 2;
  }

  if (*proxy)
    return wasmesh::app::runProxy(proxyOptions);
  if (*init) {
    return wasmesh::deploy::runInit(initOptions, initDryRun, initUninstall, std::cout, std::cerr);
  }
  if (*demo)
    return wasmesh::app::runDemo(demoOptions, argv[0]);
  if (*serve)
    return wasmesh::app::runIdentityServe(serveOptions);
  if (*identity)
    return wasmesh::app::runIdentity(identityOptions, std::cout, std::cerr);
  if (*wasm)
    return wasmesh::app::runWasm(wasmOptions, std::cout, std::cerr);
  if (*inject)
    return wasmesh::app::runInject(injectOptions, false, std::cin, std::cout, std::cerr);
  if (*uninject)
    return wasmesh::app::runInject(uninjectOptions, true, std::cin, std::cout, std::cerr);
  if (*install)
    return wasmesh::app::runInstall(installOptions, std::cout, std::cerr);
  if (*injectorServe)
    return wasmesh::app::runInjectorServe(injectorServeOptions);
  if (*await)
    return wasmesh::app::runAwait(awaitOptions, std::cerr);
  return 2;
}
