#include "SandboxedPath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace wasmesh::wasm::component::wasi {
namespace {

// A path the guest may name: relative, no NUL byte (which would cut it short in the kernel).
bool acceptable(std::string_view path) {
  return !path.empty() && path.front() != '/' && path.find('\0') == std::string_view::npos;
}

}  // namespace

int SandboxedPath::open(int directory, std::string_view path, int flags, bool follow) {
  if (!acceptable(path))
    return path.empty() ? -ENOENT : -EPERM;
  const std::string text(path);
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
  how.mode = (flags & O_CREAT) != 0 ? 0666 : 0;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const long fd = ::syscall(SYS_openat2, directory, text.c_str(), &how, sizeof how);
  if (fd >= 0)
    return static_cast<int>(fd);
  // EXDEV: the path would leave the directory. A refusal, not a cross-device error.
  return errno == EXDEV ? -EPERM : -errno;
}

std::pair<int, std::string> SandboxedPath::parent(int directory, std::string_view path) {
  if (!acceptable(path))
    return {path.empty() ? -ENOENT : -EPERM, {}};
  while (path.size() > 1 && path.back() == '/')
    path.remove_suffix(1);
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.empty() || name == "." || name == "..")
    return {-EINVAL, {}};
  const std::string_view dir = slash == std::string_view::npos ? "." : path.substr(0, slash);
  const int fd = open(directory, dir.empty() ? "." : dir, O_PATH | O_DIRECTORY, true);
  return {fd, std::string(name)};
}

}  // namespace wasmesh::wasm::component::wasi
