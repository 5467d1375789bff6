#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace wasmesh::app {

// A child process with its stdout and stderr sent to a file. Terminated (SIGTERM, then
// waited for) when destroyed.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& logPath);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool running();
  // Sends SIGTERM and waits; returns the exit status (or 128+signal).
  int terminate();

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

}  // namespace wasmesh::app
