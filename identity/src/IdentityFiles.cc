#include "wasmesh/identity/IdentityFiles.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "wasmesh/common/RegularFile.h"

namespace wasmesh::identity {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& path, const std::string& what, int error) {
  throw FileError(path.string() + ": " + what + ": " +
                  std::error_code(error, std::generic_category()).message());
}

// Closes the descriptor and removes the temporary file unless the write went through.
class TemporaryFile {
 public:
  TemporaryFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~TemporaryFile() {
    if (fd_ >= 0)
      static_cast<void>(::close(fd_));
    if (!path_.empty())
      static_cast<void>(::unlink(path_.c_str()));
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;

  int fd() const noexcept { return fd_; }
  const std::string& path() const noexcept { return path_; }
  // close() reports write-back errors on some file systems, so it is checked, once.
  int close() noexcept {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }
  void keep() noexcept { path_.clear(); }

 private:
  int fd_;
  std::string path_;
};

void writeAll(const TemporaryFile& file, std::string_view content, const fs::path& target) {
  while (!content.empty()) {
    const auto written = ::write(file.fd(), content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR)
        continue;
      fail(target, "cannot write", errno);
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
}

// The rename is durable only once the directory entry itself is on disk.
void syncDirectory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    fail(directory, "cannot open directory", errno);
  const int synced = ::fsync(fd);
  const int error = errno;
  static_cast<void>(::close(fd));
  if (synced != 0)
    fail(directory, "cannot sync directory", error);
}

}  // namespace

std::string readTextFile(const fs::path& path, std::size_t maxBytes) {
  auto content = readRegularFile(path.string(), maxBytes);
  if (!content)
    throw FileError(describeFileError(path.string(), content.error(), maxBytes));
  return std::move(*content);
}

void writeFileAtomically(const fs::path& path, std::string_view content, fs::perms mode,
                         bool overwrite) {
  const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::string pattern = (directory / ("." + path.filename().string() + ".XXXXXX")).string();
  // mkstemp creates the file 0600, so a key is never readable by others, not even briefly.
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0)
    fail(directory, "cannot create a file", errno);
  TemporaryFile temporary(fd, pattern);
  writeAll(temporary, content, path);
  if (::fchmod(temporary.fd(), static_cast<mode_t>(mode)) != 0)
    fail(path, "cannot set permissions", errno);
  if (::fsync(temporary.fd()) != 0)
    fail(path, "cannot sync", errno);
  if (temporary.close() != 0)
    fail(path, "cannot write", errno);
  if (overwrite) {
    if (::rename(temporary.path().c_str(), path.c_str()) != 0)
      fail(path, "cannot replace", errno);
    temporary.keep();
  } else if (::link(temporary.path().c_str(), path.c_str()) != 0) {
    // link, unlike rename, refuses to replace an existing file, atomically.
    if (errno == EEXIST)
      throw FileError(path.string() + ": already exists");
    fail(path, "cannot create", errno);
  }
  syncDirectory(directory);
}

}  // namespace wasmesh::identity
