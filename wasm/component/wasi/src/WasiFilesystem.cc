// wasi:filesystem (types, preopens): files and directories under the granted directories
// only, each path resolved beneath its descriptor (SandboxedPath), writes refused with
// error-code read-only unless the grant is writable.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "FileErrors.h"
#include "SandboxedPath.h"
#include "WasiInterfaces.h"
#include "wasmesh/wasm/component/Utf8.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {
namespace {

using Result = WasmResult<std::optional<Val>>;
using Method = std::function<Result(WasiState&, Descriptor&, std::vector<Val>&)>;

constexpr std::uint32_t kInvalid = 12;
constexpr std::uint32_t kIllegalByteSequence = 9;
constexpr std::uint32_t kReadOnly = 33;
constexpr std::uint32_t kSymlinkFollow = 1;
constexpr std::size_t kMaxDirectoryEntries = 100'000;

Val failure(std::uint32_t code) {
  return Val::err(Val::enumeration(code));
}
Val failureFromErrno(int error) {
  return failure(fileErrorCode(error));
}

// A descriptor the host opened for one call, closed when the call is done.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0)
      ::close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::uint32_t typeOf(mode_t mode) {
  if (S_ISBLK(mode))
    return 1;
  if (S_ISCHR(mode))
    return 2;
  if (S_ISDIR(mode))
    return 3;
  if (S_ISFIFO(mode))
    return 4;
  if (S_ISLNK(mode))
    return 5;
  if (S_ISREG(mode))
    return 6;
  if (S_ISSOCK(mode))
    return 7;
  return 0;
}

Val datetime(const timespec& time) {
  return Val::record({Val::u64(static_cast<std::uint64_t>(time.tv_sec)),
                      Val::u32(static_cast<std::uint32_t>(time.tv_nsec))});
}

Val describe(const struct stat& st) {
  return Val::record({Val::enumeration(typeOf(st.st_mode)), Val::u64(st.st_nlink),
                      Val::u64(static_cast<std::uint64_t>(st.st_size)),
                      Val::some(datetime(st.st_atim)), Val::some(datetime(st.st_mtim)),
                      Val::some(datetime(st.st_ctim))});
}

Val metadataHash(const struct stat& st) {
  auto mix = [](std::uint64_t h, std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    return h;
  };
  const std::uint64_t lower = mix(mix(0, st.st_dev), st.st_ino);
  const std::uint64_t upper = mix(mix(lower, static_cast<std::uint64_t>(st.st_mtim.tv_sec)),
                                  static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
  return Val::record({Val::u64(lower), Val::u64(upper)});
}

timespec newTimestamp(const Val& value) {
  switch (value.caseIndex()) {
    case 0:
      return {0, UTIME_OMIT};
    case 1:
      return {0, UTIME_NOW};
    default: {
      const Val& when = *value.payload();
      return {static_cast<time_t>(when.items()[0].asU64()),
              static_cast<long>(when.items()[1].asU32())};
    }
  }
}

Result openAt(WasiState& state, Descriptor& dir, std::vector<Val>& args) {
  const std::uint32_t pathFlags = args[1].asU32();
  const std::uint32_t openFlags = args[3].asU32();
  const std::uint32_t flags = args[4].asU32();
  const bool read = (flags & 1U) != 0;
  const bool write = (flags & 2U) != 0;
  const bool create = (openFlags & 1U) != 0;
  const bool truncate = (openFlags & 8U) != 0;
  if ((write || create || truncate) && !dir.writable)
    return failure(kReadOnly);
  int mode = write ? (read ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (create)
    mode |= O_CREAT;
  if ((openFlags & 2U) != 0)
    mode |= O_DIRECTORY;
  if ((openFlags & 4U) != 0)
    mode |= O_EXCL;
  if (truncate)
    mode |= O_TRUNC;
  const int fd =
      SandboxedPath::open(dir.fd->get(), args[2].text(), mode, (pathFlags & kSymlinkFollow) != 0);
  if (fd < 0)
    return failureFromErrno(-fd);
  struct stat st {};
  ::fstat(fd, &st);
  Descriptor opened;
  opened.fd = std::make_shared<OwnedFd>(fd);
  opened.directory = S_ISDIR(st.st_mode);
  opened.readable = read || !write;
  opened.writable = dir.writable;
  auto rep = state.add(std::move(opened));
  if (!rep)
    return rep.error();
  return Val::ok(Val::own(*rep));
}

Result statAt(Descriptor& dir, std::vector<Val>& args, bool hash) {
  const ScopedFd fd(SandboxedPath::open(dir.fd->get(), args[2].text(), O_PATH,
                                        (args[1].asU32() & kSymlinkFollow) != 0));
  if (fd.get() < 0)
    return failureFromErrno(-fd.get());
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return failureFromErrno(errno);
  return Val::ok(hash ? metadataHash(st) : describe(st));
}

// Runs `op(parent, name)` on the parent directory of `path`, beneath `dir`.
template <typename Op>
Result atParent(Descriptor& dir, const Val& path, bool mutates, Op op) {
  if (mutates && !dir.writable)
    return failure(kReadOnly);
  auto [fd, name] = SandboxedPath::parent(dir.fd->get(), path.text());
  if (fd < 0)
    return failureFromErrno(-fd);
  const ScopedFd parent(fd);
  if (op(parent.get(), name.c_str()) != 0)
    return failureFromErrno(errno);
  return Val::ok();
}

Result readDirectory(WasiState& state, Descriptor& dir) {
  const int copy = SandboxedPath::open(dir.fd->get(), ".", O_RDONLY | O_DIRECTORY, true);
  if (copy < 0)
    return failureFromErrno(-copy);
  DIR* stream = ::fdopendir(copy);
  if (stream == nullptr) {
    ::close(copy);
    return failureFromErrno(errno);
  }
  DirectoryEntries entries;
  // readdir is safe on a stream no other thread uses: this one is this call's own.
  while (const dirent* entry = ::readdir(stream)) {  // NOLINT(concurrency-mt-unsafe)
    const std::string name = entry->d_name;
    if (name == "." || name == "..")
      continue;
    if (entries.entries.size() >= kMaxDirectoryEntries || !isValidUtf8(name))
      continue;
    std::uint8_t type = 0;
    switch (entry->d_type) {
      case DT_BLK:
        type = 1;
        break;
      case DT_CHR:
        type = 2;
        break;
      case DT_DIR:
        type = 3;
        break;
      case DT_FIFO:
        type = 4;
        break;
      case DT_LNK:
        type = 5;
        break;
      case DT_REG:
        type = 6;
        break;
      case DT_SOCK:
        type = 7;
        break;
      default:
        break;
    }
    entries.entries.emplace_back(name, type);
  }
  ::closedir(stream);
  auto rep = state.add(std::move(entries));
  if (!rep)
    return rep.error();
  return Val::ok(Val::own(*rep));
}

Result fileStream(WasiState& state, Descriptor& file, bool output, std::uint64_t offset,
                  bool append) {
  if (output && !file.writable)
    return failure(kReadOnly);
  if (file.directory)
    return failure(14);  // is-directory
  WasmResult<std::uint32_t> rep =
      output ? state.add(OutputStream{OutputStream::Target::file, file.fd, offset, append, nullptr})
             : state.add(InputStream{file.fd, offset, nullptr});
  if (!rep)
    return rep.error();
  return Val::ok(Val::own(*rep));
}

Result read(Descriptor& file, std::vector<Val>& args) {
  std::vector<std::uint8_t> buffer(std::min(args[1].asU64(), kMaxChunk));
  const ssize_t got =
      ::pread(file.fd->get(), buffer.data(), buffer.size(), static_cast<off_t>(args[2].asU64()));
  if (got < 0)
    return failureFromErrno(errno);
  buffer.resize(static_cast<std::size_t>(got));
  const bool end = got == 0 && args[1].asU64() > 0;
  return Val::ok(Val::tuple({Val::bytes(buffer), Val::boolean(end)}));
}

Result write(Descriptor& file, std::vector<Val>& args) {
  if (!file.writable)
    return failure(kReadOnly);
  const auto bytes = args[1].byteSpan();
  const ssize_t wrote =
      ::pwrite(file.fd->get(), bytes.data(), bytes.size(), static_cast<off_t>(args[2].asU64()));
  if (wrote < 0)
    return failureFromErrno(errno);
  return Val::ok(Val::u64(static_cast<std::uint64_t>(wrote)));
}

template <typename Op>
Result onFd(Descriptor& file, bool mutates, Op op) {
  if (mutates && !file.writable)
    return failure(kReadOnly);
  if (op(file.fd->get()) != 0)
    return failureFromErrno(errno);
  return Val::ok();
}

void addTypes(ComponentHost& host) {
  HostInterface types("wasi:filesystem", "types", kWasiVersion);
  auto drop = [](HostState& state, std::uint32_t rep) { wasiState(state).remove(rep); };
  types.resource("descriptor", drop)
      .resource("directory-entry-stream", drop)
      .use("input-stream", "wasi:io/streams", "input-stream")
      .use("output-stream", "wasi:io/streams", "output-stream")
      .use("error", "wasi:io/streams", "error")
      .type("datetime", "record { seconds: u64, nanoseconds: u32 }")
      .type("filesize", "u64")
      .type("link-count", "u64")
      .type("descriptor-type",
            "enum { unknown, block-device, character-device, directory, fifo, symbolic-link, "
            "regular-file, socket }")
      .type("descriptor-flags",
            "flags { read, write, file-integrity-sync, data-integrity-sync, "
            "requested-write-sync, mutate-directory }")
      .type("descriptor-stat",
            "record { type: descriptor-type, link-count: link-count, size: filesize, "
            "data-access-timestamp: option<datetime>, data-modification-timestamp: "
            "option<datetime>, status-change-timestamp: option<datetime> }")
      .type("path-flags", "flags { symlink-follow }")
      .type("open-flags", "flags { create, directory, exclusive, truncate }")
      .type("new-timestamp", "variant { no-change, now, timestamp(datetime) }")
      .type("directory-entry", "record { type: descriptor-type, name: string }")
      .type("error-code",
            "enum { access, would-block, already, bad-descriptor, busy, deadlock, quota, exist, "
            "file-too-large, illegal-byte-sequence, in-progress, interrupted, invalid, io, "
            "is-directory, loop, too-many-links, message-size, name-too-long, no-device, "
            "no-entry, no-lock, insufficient-memory, insufficient-space, not-directory, "
            "not-empty, not-recoverable, unsupported, no-tty, no-such-device, overflow, "
            "not-permitted, pipe, read-only, invalid-seek, text-file-busy, cross-device }")
      .type("advice", "enum { normal, sequential, random, will-need, dont-need, no-reuse }")
      .type("metadata-hash-value", "record { lower: u64, upper: u64 }");

  auto method = [&types](const std::string& name, const std::string& params,
                         const std::string& result, Method body) {
    types.function(
        "[method]descriptor." + name,
        "func(self: borrow<descriptor>" + params + ")" + (result.empty() ? "" : " -> " + result),
        [body = std::move(body)](HostState& state, std::vector<Val>& args) -> Result {
          auto file = wasiState(state).get<Descriptor>(args[0].rep());
          if (!file)
            return file.error();
          return body(wasiState(state), **file, args);
        });
  };
  const std::string unit = "result<_, error-code>";
  method("read-via-stream", ", offset: filesize", "result<input-stream, error-code>",
         [](WasiState& s, Descriptor& d, std::vector<Val>& a) {
           return fileStream(s, d, false, a[1].asU64(), false);
         });
  method("write-via-stream", ", offset: filesize", "result<output-stream, error-code>",
         [](WasiState& s, Descriptor& d, std::vector<Val>& a) {
           return fileStream(s, d, true, a[1].asU64(), false);
         });
  method("append-via-stream", "", "result<output-stream, error-code>",
         [](WasiState& s, Descriptor& d, std::vector<Val>&) {
           return fileStream(s, d, true, 0, true);
         });
  method("advise", ", offset: filesize, length: filesize, advice: advice", unit,
         [](WasiState&, Descriptor&, std::vector<Val>&) -> Result { return Val::ok(); });
  method("sync-data", "", unit, [](WasiState&, Descriptor& d, std::vector<Val>&) {
    return onFd(d, false, [](int fd) { return ::fdatasync(fd); });
  });
  method("sync", "", unit, [](WasiState&, Descriptor& d, std::vector<Val>&) {
    return onFd(d, false, [](int fd) { return ::fsync(fd); });
  });
  method("get-flags", "", "result<descriptor-flags, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>&) -> Result {
           const int mode = ::fcntl(d.fd->get(), F_GETFL);
           if (mode < 0)
             return failureFromErrno(errno);
           std::uint32_t bits = 0;
           if ((mode & O_ACCMODE) != O_WRONLY)
             bits |= 1U;
           if ((mode & O_ACCMODE) != O_RDONLY)
             bits |= 2U;
           if (d.directory && d.writable)
             bits |= 32U;
           return Val::ok(Val::flags(bits));
         });
  method("get-type", "", "result<descriptor-type, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>&) -> Result {
           struct stat st {};
           if (::fstat(d.fd->get(), &st) != 0)
             return failureFromErrno(errno);
           return Val::ok(Val::enumeration(typeOf(st.st_mode)));
         });
  method("set-size", ", size: filesize", unit, [](WasiState&, Descriptor& d, std::vector<Val>& a) {
    return onFd(d, true,
                [&a](int fd) { return ::ftruncate(fd, static_cast<off_t>(a[1].asU64())); });
  });
  method("set-times",
         ", data-access-timestamp: new-timestamp, data-modification-timestamp: new-timestamp", unit,
         [](WasiState&, Descriptor& d, std::vector<Val>& a) {
           const timespec times[2] = {newTimestamp(a[1]), newTimestamp(a[2])};
           return onFd(d, true, [&times](int fd) { return ::futimens(fd, times); });
         });
  method("read", ", length: filesize, offset: filesize",
         "result<tuple<list<u8>, bool>, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>& a) { return read(d, a); });
  method("write", ", buffer: list<u8>, offset: filesize", "result<filesize, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>& a) { return write(d, a); });
  method("read-directory", "", "result<directory-entry-stream, error-code>",
         [](WasiState& s, Descriptor& d, std::vector<Val>&) { return readDirectory(s, d); });
  method("create-directory-at", ", path: string", unit,
         [](WasiState&, Descriptor& d, std::vector<Val>& a) {
           return atParent(d, a[1], true, [](int parent, const char* name) {
             return ::mkdirat(parent, name, 0777);
           });
         });
  method("stat", "", "result<descriptor-stat, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>&) -> Result {
           struct stat st {};
           if (::fstat(d.fd->get(), &st) != 0)
             return failureFromErrno(errno);
           return Val::ok(describe(st));
         });
  method("stat-at", ", path-flags: path-flags, path: string", "result<descriptor-stat, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>& a) { return statAt(d, a, false); });
  method("set-times-at",
         ", path-flags: path-flags, path: string, data-access-timestamp: new-timestamp, "
         "data-modification-timestamp: new-timestamp",
         unit, [](WasiState&, Descriptor& d, std::vector<Val>& a) {
           const timespec times[2] = {newTimestamp(a[3]), newTimestamp(a[4])};
           const int flags = (a[1].asU32() & kSymlinkFollow) != 0 ? 0 : AT_SYMLINK_NOFOLLOW;
           return atParent(d, a[2], true, [&times, flags](int parent, const char* name) {
             return ::utimensat(parent, name, times, flags);
           });
         });
  method("link-at",
         ", old-path-flags: path-flags, old-path: string, new-descriptor: borrow<descriptor>, "
         "new-path: string",
         unit, [](WasiState& s, Descriptor& d, std::vector<Val>& a) -> Result {
           auto target = s.get<Descriptor>(a[3].rep());
           if (!target)
             return target.error();
           if (!d.writable || !(*target)->writable)
             return failure(kReadOnly);
           auto [from, fromName] = SandboxedPath::parent(d.fd->get(), a[2].text());
           const ScopedFd fromFd(from);
           auto [to, toName] = SandboxedPath::parent((*target)->fd->get(), a[4].text());
           const ScopedFd toFd(to);
           if (from < 0 || to < 0)
             return failureFromErrno(from < 0 ? -from : -to);
           // Never follow a symbolic link here: it could name a file outside the grant.
           if (::linkat(from, fromName.c_str(), to, toName.c_str(), 0) != 0)
             return failureFromErrno(errno);
           return Val::ok();
         });
  method("open-at",
         ", path-flags: path-flags, path: string, open-flags: open-flags, flags: "
         "descriptor-flags",
         "result<descriptor, error-code>",
         [](WasiState& s, Descriptor& d, std::vector<Val>& a) { return openAt(s, d, a); });
  method("readlink-at", ", path: string", "result<string, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>& a) -> Result {
           auto [fd, name] = SandboxedPath::parent(d.fd->get(), a[1].text());
           if (fd < 0)
             return failureFromErrno(-fd);
           const ScopedFd parent(fd);
           std::string target(4096, '\0');
           const ssize_t got =
               ::readlinkat(parent.get(), name.c_str(), target.data(), target.size());
           if (got < 0)
             return failureFromErrno(errno);
           target.resize(static_cast<std::size_t>(got));
           if (!isValidUtf8(target))
             return failure(kIllegalByteSequence);
           return Val::ok(Val::string(std::move(target)));
         });
  method("remove-directory-at", ", path: string", unit,
         [](WasiState&, Descriptor& d, std::vector<Val>& a) {
           return atParent(d, a[1], true, [](int parent, const char* name) {
             return ::unlinkat(parent, name, AT_REMOVEDIR);
           });
         });
  method("rename-at", ", old-path: string, new-descriptor: borrow<descriptor>, new-path: string",
         unit, [](WasiState& s, Descriptor& d, std::vector<Val>& a) -> Result {
           auto target = s.get<Descriptor>(a[2].rep());
           if (!target)
             return target.error();
           if (!d.writable || !(*target)->writable)
             return failure(kReadOnly);
           auto [from, fromName] = SandboxedPath::parent(d.fd->get(), a[1].text());
           const ScopedFd fromFd(from);
           auto [to, toName] = SandboxedPath::parent((*target)->fd->get(), a[3].text());
           const ScopedFd toFd(to);
           if (from < 0 || to < 0)
             return failureFromErrno(from < 0 ? -from : -to);
           if (::renameat(from, fromName.c_str(), to, toName.c_str()) != 0)
             return failureFromErrno(errno);
           return Val::ok();
         });
  method("symlink-at", ", old-path: string, new-path: string", unit,
         [](WasiState&, Descriptor& d, std::vector<Val>& a) -> Result {
           const std::string& target = a[1].text();
           if (target.find('\0') != std::string::npos)
             return failure(kInvalid);
           return atParent(d, a[2], true, [&target](int parent, const char* name) {
             return ::symlinkat(target.c_str(), parent, name);
           });
         });
  method(
      "unlink-file-at", ", path: string", unit, [](WasiState&, Descriptor& d, std::vector<Val>& a) {
        return atParent(d, a[1], true,
                        [](int parent, const char* name) { return ::unlinkat(parent, name, 0); });
      });
  method("is-same-object", ", other: borrow<descriptor>", "bool",
         [](WasiState& s, Descriptor& d, std::vector<Val>& a) -> Result {
           auto other = s.get<Descriptor>(a[1].rep());
           if (!other)
             return other.error();
           struct stat first {};
           struct stat second {};
           const bool same = ::fstat(d.fd->get(), &first) == 0 &&
                             ::fstat((*other)->fd->get(), &second) == 0 &&
                             first.st_dev == second.st_dev && first.st_ino == second.st_ino;
           return Val::boolean(same);
         });
  method("metadata-hash", "", "result<metadata-hash-value, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>&) -> Result {
           struct stat st {};
           if (::fstat(d.fd->get(), &st) != 0)
             return failureFromErrno(errno);
           return Val::ok(metadataHash(st));
         });
  method("metadata-hash-at", ", path-flags: path-flags, path: string",
         "result<metadata-hash-value, error-code>",
         [](WasiState&, Descriptor& d, std::vector<Val>& a) { return statAt(d, a, true); });
  types.function(
      "[method]directory-entry-stream.read-directory-entry",
      "func(self: borrow<directory-entry-stream>) -> result<option<directory-entry>, "
      "error-code>",
      [](HostState& state, std::vector<Val>& args) -> Result {
        auto entries = wasiState(state).get<DirectoryEntries>(args[0].rep());
        if (!entries)
          return entries.error();
        DirectoryEntries& list = **entries;
        if (list.next >= list.entries.size())
          return Val::ok(Val::none());
        const auto& [name, type] = list.entries[list.next++];
        return Val::ok(Val::some(Val::record({Val::enumeration(type), Val::string(name)})));
      });
  types.function("filesystem-error-code", "func(err: borrow<error>) -> option<error-code>",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto error = wasiState(state).get<IoError>(args[0].rep());
                   if (!error)
                     return error.error();
                   if (!(*error)->fileErrorCode)
                     return Val::none();
                   return Val::some(Val::enumeration(*(*error)->fileErrorCode));
                 });
  host.add(std::move(types));
}

}  // namespace

void addFilesystem(ComponentHost& host) {
  addTypes(host);
  HostInterface preopens("wasi:filesystem", "preopens", kWasiVersion);
  preopens.use("descriptor", "wasi:filesystem/types", "descriptor");
  preopens.function("get-directories", "func() -> list<tuple<descriptor, string>>",
                    [](HostState& hostState, std::vector<Val>&) -> Result {
                      WasiState& state = wasiState(hostState);
                      std::vector<Val> directories;
                      for (const auto& [descriptor, path] : state.preopens()) {
                        auto rep = state.add(descriptor);
                        if (!rep)
                          return rep.error();
                        directories.push_back(Val::tuple({Val::own(*rep), Val::string(path)}));
                      }
                      return Val::list(std::move(directories));
                    });
  host.add(std::move(preopens));
}

}  // namespace wasmesh::wasm::component::wasi
