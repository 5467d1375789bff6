#pragma once

#include <string>
#include <vector>

#include "wasmesh/common/Error.h"

namespace wasmesh::deploy {

struct CommandOutput {
  int exitStatus = 0;
  std::string standardOutput;
  std::string standardError;
};

// Runs one program and reports how it ended. An interface so tests can stand in for iptables.
class CommandRunner {
 public:
  virtual ~CommandRunner();

  // argv[0] is the program, looked up in PATH. A non-zero exit is a value, not an error; the
  // error is for "could not run it at all" (for example ENOENT when the program is missing).
  virtual Result<CommandOutput> run(const std::vector<std::string>& argv) = 0;

 protected:
  CommandRunner() = default;
  CommandRunner(const CommandRunner&) = default;
  CommandRunner& operator=(const CommandRunner&) = default;
};

// The words joined by spaces, each quoted for a POSIX shell only when it needs it, so a printed
// command can be pasted into a shell.
std::string formatCommandLine(const std::vector<std::string>& argv);

}  // namespace wasmesh::deploy
