#include "wasmesh/common/RegularFile.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>

namespace wasmesh {
namespace {

class FdGuard {
 public:
  explicit FdGuard(int fd) noexcept : fd_(fd) {}
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  ~FdGuard() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

boost::system::error_code fromErrno(int error) {
  return {error, boost::system::generic_category()};
}

}  // namespace

Result<std::string> readRegularFile(const std::string& path, std::size_t maxBytes) {
  // O_NONBLOCK: open() of a FIFO with no writer would otherwise wait for one. Symbolic links
  // are followed on purpose: Kubernetes mounts ConfigMaps and Secrets through them.
  const FdGuard fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0)
    return fromErrno(errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0)
    return fromErrno(errno);
  if (S_ISDIR(info.st_mode))
    return fromErrno(EISDIR);
  if (!S_ISREG(info.st_mode))
    return errc::not_regular_file;
  if (static_cast<std::size_t>(info.st_size) > maxBytes)
    return errc::file_too_large;
  std::string text;
  text.reserve(static_cast<std::size_t>(info.st_size));
  std::array<char, 16384> chunk{};
  while (true) {
    const auto got = ::read(fd.get(), chunk.data(), chunk.size());
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return fromErrno(errno);
    }
    if (got == 0)
      break;
    // The size may grow between fstat and read: the cap holds on what is read.
    if (text.size() + static_cast<std::size_t>(got) > maxBytes)
      return errc::file_too_large;
    text.append(chunk.data(), static_cast<std::size_t>(got));
  }
  return text;
}

std::string describeFileError(const std::string& path, const boost::system::error_code& error,
                              std::size_t maxBytes) {
  if (error == errc::file_too_large) {
    constexpr std::size_t kKiB = 1024;
    const auto size = maxBytes % (kKiB * kKiB) == 0
                          ? std::to_string(maxBytes / (kKiB * kKiB)) + " MiB"
                      : maxBytes % kKiB == 0 ? std::to_string(maxBytes / kKiB) + " KiB"
                                             : std::to_string(maxBytes) + " bytes";
    return path + ": is larger than " + size;
  }
  if (error == errc::not_regular_file)
    return path + ": " + error.message();
  return path + ": cannot read: " + error.message();
}

}  // namespace wasmesh
