#pragma once

#include <string>
#include <vector>

#include "wasmesh/deploy/CommandRunner.h"

namespace wasmesh::deploy {

// Runs programs with posix_spawnp (no shell), stdin from /dev/null, stdout and stderr captured.
class ProcessRunner final : public CommandRunner {
 public:
  // `prefix` is put before every command, e.g. {"ip", "netns", "exec", "ns1"} to run inside a
  // network namespace.
  explicit ProcessRunner(std::vector<std::string> prefix = {});

  Result<CommandOutput> run(const std::vector<std::string>& argv) override;

 private:
  std::vector<std::string> prefix_;
};

}  // namespace wasmesh::deploy
