#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "wasmesh/deploy/InjectorOptions.h"

namespace wasmesh::app {

// `wasmesh injector serve`: the proxy injector, a mutating admission webhook
// (docs/kubernetes.md).
struct InjectorServeOptions {
  std::string listen = "0.0.0.0:8443";
  std::string adminListen;  // /metrics, /live, /ready; empty = none
  std::string tlsCert;
  std::string tlsKey;
  std::string trustAnchorsFile;  // read again whenever it changes
  deploy::InjectorOptions injector;
  std::string kubernetesApi;  // host:port; default the in-cluster service
  std::string kubernetesCa = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string kubernetesToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string logLevel = "info";
};

void addInjectorServeOptions(CLI::App& serve, InjectorServeOptions& options);
// 0 after SIGTERM/SIGINT; 1 when it cannot start (a file, a port); 2 bad flags.
int runInjectorServe(const InjectorServeOptions& options);

}  // namespace wasmesh::app
