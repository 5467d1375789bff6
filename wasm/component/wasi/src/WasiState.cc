#include "wasmesh/wasm/component/wasi/WasiState.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "FileErrors.h"

namespace wasmesh::wasm::component::wasi {

OwnedFd::~OwnedFd() {
  if (fd_ >= 0)
    ::close(fd_);
}

OwnedFd& OwnedFd::operator=(OwnedFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

WasmResult<std::unique_ptr<WasiState>> WasiState::create(WasiOptions options) {
  std::unique_ptr<WasiState> state(new WasiState(std::move(options)));
  if (auto opened = state->openDirectories(); !opened)
    return opened.error();
  return state;
}

WasmResult<void> WasiState::openDirectories() {
  for (const DirectoryGrant& grant : options_.directories) {
    const int fd = ::open(grant.hostPath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      return WasmError::make(
          errc::wasm_instantiation_failed,
          "cannot open the granted directory " + grant.hostPath + ": " + errnoMessage(errno));
    }
    Descriptor descriptor;
    descriptor.fd = std::make_shared<OwnedFd>(fd);
    descriptor.directory = true;
    descriptor.writable = grant.writable;
    preopens_.emplace_back(std::move(descriptor), grant.guestPath);
  }
  return {};
}

WasmResult<std::uint32_t> WasiState::add(HostObject object) {
  if (objects_.size() >= kMaxObjects) {
    return WasmError::makeTrap(TrapKind::host_error, {},
                               "the guest holds " + std::to_string(kMaxObjects) +
                                   " host objects (streams, files, pollables): too many");
  }
  const std::uint32_t rep = next_++;
  objects_.emplace(rep, std::move(object));
  return rep;
}

WasmResult<Val> streamError(WasiState& state, std::string message,
                            std::optional<std::uint32_t> fileErrorCode) {
  auto rep = state.add(IoError{std::move(message), fileErrorCode});
  if (!rep)
    return rep.error();
  return Val::err(Val::variant(0, Val::own(*rep)));
}

WasiOptions withProcessStreams(WasiOptions options) {
  options.readStdin = [](std::span<std::uint8_t> buffer) -> std::size_t {
    for (;;) {
      const ssize_t got = ::read(STDIN_FILENO, buffer.data(), buffer.size());
      if (got >= 0)
        return static_cast<std::size_t>(got);
      if (errno != EINTR)
        return 0;
    }
  };
  auto writeAll = [](int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t wrote = ::write(fd, data.data(), data.size());
      if (wrote < 0) {
        if (errno == EINTR)
          continue;
        return;
      }
      data.remove_prefix(static_cast<std::size_t>(wrote));
    }
  };
  options.writeStdout = [writeAll](std::string_view data) { writeAll(STDOUT_FILENO, data); };
  options.writeStderr = [writeAll](std::string_view data) { writeAll(STDERR_FILENO, data); };
  options.log = [writeAll](int level, std::string_view context, std::string_view message) {
    static constexpr const char* kLevels[] = {"trace", "debug", "info",
                                              "warn",  "error", "critical"};
    std::string line = std::string(kLevels[level < 0 || level > 5 ? 2 : level]) + " ";
    if (!context.empty())
      line += std::string(context) + ": ";
    line += std::string(message) + "\n";
    writeAll(STDERR_FILENO, line);
  };
  return options;
}

}  // namespace wasmesh::wasm::component::wasi
