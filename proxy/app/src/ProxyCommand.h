#pragma once

#include <optional>
#include <string>

namespace wasmesh::app {

struct ProxyOptions {
  std::optional<std::string> configPath;
  bool printDefaults = false;
  bool checkOnly = false;
};

// `wasmesh proxy`: loads configuration (exit 2 on a bad key or value), then serves until
// drained (exit 0) or fails to start (exit 1).
int runProxy(const ProxyOptions& options);

}  // namespace wasmesh::app
