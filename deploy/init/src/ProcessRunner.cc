#include "wasmesh/deploy/ProcessRunner.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace wasmesh::deploy {
namespace {

boost::system::error_code lastError() {
  return {errno, boost::system::system_category()};
}

// Owns a file descriptor so every early return closes what it opened.
class Fd {
 public:
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const noexcept { return fd_; }
  void adopt(int fd) noexcept {
    reset();
    fd_ = fd;
  }
  void reset() noexcept {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  Fd read;
  Fd write;
};

boost::system::error_code makePipe(Pipe& pipe) {
  std::array<int, 2> fds{};
  // O_CLOEXEC: the child gets only the dup2'ed copies, so EOF arrives when it exits.
  if (::pipe2(fds.data(), O_CLOEXEC) != 0)
    return lastError();
  pipe.read.adopt(fds[0]);
  pipe.write.adopt(fds[1]);
  return {};
}

// Reads both pipes until both reach EOF; reading only one could deadlock a child that fills
// the other.
boost::system::error_code drain(Pipe& out, Pipe& err, std::string& outText, std::string& errText) {
  std::array<pollfd, 2> fds{{{out.read.get(), POLLIN, 0}, {err.read.get(), POLLIN, 0}}};
  std::array<std::string*, 2> sinks{&outText, &errText};
  int open = 2;
  std::array<char, 4096> buffer{};
  while (open > 0) {
    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR)
        continue;
      return lastError();
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0)
        continue;
      const auto n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        fds[i].fd = -1;
        --open;
        continue;
      }
      sinks[i]->append(buffer.data(), static_cast<std::size_t>(n));
    }
  }
  return {};
}

class SpawnActions {
 public:
  SpawnActions() { ok_ = ::posix_spawn_file_actions_init(&actions_) == 0; }
  SpawnActions(const SpawnActions&) = delete;
  SpawnActions& operator=(const SpawnActions&) = delete;
  ~SpawnActions() {
    if (ok_)
      ::posix_spawn_file_actions_destroy(&actions_);
  }
  bool ok() const noexcept { return ok_; }
  posix_spawn_file_actions_t* get() noexcept { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
  bool ok_ = false;
};

}  // namespace

ProcessRunner::ProcessRunner(std::vector<std::string> prefix) : prefix_(std::move(prefix)) {}

Result<CommandOutput> ProcessRunner::run(const std::vector<std::string>& argv) {
  std::vector<std::string> words = prefix_;
  words.insert(words.end(), argv.begin(), argv.end());
  if (words.empty())
    return boost::system::error_code(EINVAL, boost::system::system_category());
  std::vector<char*> cargv;
  cargv.reserve(words.size() + 1);
  for (auto& word : words)
    cargv.push_back(word.data());
  cargv.push_back(nullptr);

  Pipe out;
  Pipe err;
  if (auto ec = makePipe(out))
    return ec;
  if (auto ec = makePipe(err))
    return ec;
  SpawnActions actions;
  if (!actions.ok())
    return boost::system::error_code(ENOMEM, boost::system::system_category());
  if (int rc =
          ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
      rc != 0) {
    return boost::system::error_code(rc, boost::system::system_category());
  }
  if (int rc = ::posix_spawn_file_actions_adddup2(actions.get(), out.write.get(), STDOUT_FILENO);
      rc != 0) {
    return boost::system::error_code(rc, boost::system::system_category());
  }
  if (int rc = ::posix_spawn_file_actions_adddup2(actions.get(), err.write.get(), STDERR_FILENO);
      rc != 0) {
    return boost::system::error_code(rc, boost::system::system_category());
  }

  pid_t pid = -1;
  // glibc's posix_spawnp reports a failed exec (ENOENT, EACCES) as its return value.
  if (int rc = ::posix_spawnp(&pid, cargv[0], actions.get(), nullptr, cargv.data(), environ);
      rc != 0) {
    return boost::system::error_code(rc, boost::system::system_category());
  }
  out.write.reset();
  err.write.reset();

  CommandOutput result;
  const auto drained = drain(out, err, result.standardOutput, result.standardError);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return lastError();
  }
  if (drained)
    return drained;
  if (WIFEXITED(status)) {
    result.exitStatus = WEXITSTATUS(status);
  } else {
    // Killed by a signal: report it the way a shell would.
    result.exitStatus = 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  }
  return result;
}

}  // namespace wasmesh::deploy
