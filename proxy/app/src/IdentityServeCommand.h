#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace wasmesh::app {

// `wasmesh identity serve`: the certificate service (docs/identity-service.md).
struct IdentityServeOptions {
  std::string caDirectory;
  std::string listen = "0.0.0.0:8080";
  std::string id;  // default spiffe://<trust domain>/ns/wasmesh/sa/identity
  std::string lifetime = "24h";
  std::string adminListen;    // /metrics, /live, /ready; empty = none
  std::string tokenFile;      // local mode
  bool kubernetes = false;    // in-cluster TokenReview
  std::string kubernetesApi;  // host:port; default $KUBERNETES_SERVICE_HOST:$..._PORT
  std::string kubernetesCa = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string kubernetesToken = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  // What `wasmesh inject` projects the proxies' tokens for (docs/kubernetes.md).
  std::string kubernetesAudience = "identity.wasmesh.io";
  std::string logLevel = "info";
};

void addIdentityServeOptions(CLI::App& serve, IdentityServeOptions& options);
int runIdentityServe(const IdentityServeOptions& options);

}  // namespace wasmesh::app
