#pragma once

namespace wasmesh::app {

struct DemoOptions {
  int basePort = 14100;
  int rounds = 0;  // 0: until Ctrl-C
};

// `wasmesh demo`: two proxies in explicit mode on loopback in front of an echo app, traffic
// through them, and a table of what each proxy counted, read from its /metrics.
int runDemo(const DemoOptions& options, const char* argv0);

}  // namespace wasmesh::app
