#include "wasmesh/wasm/wasi/WasiHost.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <utility>

namespace wasmesh::wasm::wasi {
namespace {

// WASI preview1 errno values.
constexpr std::int32_t kSuccess = 0;
constexpr std::int32_t kBadf = 8;
constexpr std::int32_t kFault = 21;
constexpr std::int32_t kInval = 28;
constexpr std::int32_t kIo = 29;
constexpr std::int32_t kNosys = 52;
constexpr std::int32_t kSpipe = 70;

constexpr std::uint32_t kMaxIovecs = 1024;
constexpr std::size_t kChunkBytes = 64 * std::size_t{1024};
constexpr std::uint8_t kCharacterDevice = 2;
// Rights of the standard streams: everything but seek and tell (wasi-libc's isatty test).
constexpr std::uint64_t kStdioRights = ~((std::uint64_t{1} << 2) | (std::uint64_t{1} << 5));

using Options = std::shared_ptr<const WasiOptions>;
constexpr ValueType I32 = ValueType::i32;
constexpr ValueType I64 = ValueType::i64;

HostOutcome returnErrno(std::span<Value> results, std::int32_t errnoValue) {
  results[0] = Value::i32(errnoValue);
  return HostOutcome::ok();
}

std::uint32_t u32(std::span<const Value> args, std::size_t i) {
  return args[i].asU32();
}

// The sizes half of args_sizes_get / environ_sizes_get: count and total bytes with NULs.
HostOutcome stringsSizes(const std::vector<std::string>& strings, GuestMemory& memory,
                         std::span<const Value> args, std::span<Value> results) {
  std::uint64_t bytes = 0;
  for (const auto& text : strings)
    bytes += text.size() + 1;
  const bool ok = memory.writeU32(u32(args, 0), static_cast<std::uint32_t>(strings.size())) &&
                  memory.writeU32(u32(args, 1), static_cast<std::uint32_t>(bytes));
  return returnErrno(results, ok ? kSuccess : kFault);
}

// args_get / environ_get: an array of u32 pointers, then the NUL-terminated strings.
HostOutcome stringsGet(const std::vector<std::string>& strings, GuestMemory& memory,
                       std::span<const Value> args, std::span<Value> results) {
  std::uint64_t pointers = u32(args, 0);
  std::uint64_t buffer = u32(args, 1);
  for (const auto& text : strings) {
    if (buffer > UINT32_MAX || !memory.writeU32(pointers, static_cast<std::uint32_t>(buffer)) ||
        !memory.write(buffer, text) || !memory.writeU8(buffer + text.size(), 0)) {
      return returnErrno(results, kFault);
    }
    pointers += 4;
    buffer += text.size() + 1;
  }
  return returnErrno(results, kSuccess);
}

HostOutcome fdWrite(const WasiOptions& options, GuestMemory& memory, std::span<const Value> args,
                    std::span<Value> results) {
  const std::uint32_t fd = u32(args, 0);
  if (fd != 1 && fd != 2)
    return returnErrno(results, kBadf);
  const std::uint32_t count = u32(args, 2);
  if (count > kMaxIovecs)
    return returnErrno(results, kInval);
  // Every iovec is checked before anything is written, so a bad one writes nothing.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> iovecs;
  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t iovec = std::uint64_t{u32(args, 1)} + std::uint64_t{8} * i;
    auto pointer = memory.readU32(iovec);
    auto length = memory.readU32(iovec + 4);
    if (!pointer || !length || !memory.contains(*pointer, *length))
      return returnErrno(results, kFault);
    iovecs.emplace_back(*pointer, *length);
    total += *length;
  }
  if (total > UINT32_MAX)
    return returnErrno(results, kInval);
  if (!memory.contains(u32(args, 3), 4))
    return returnErrno(results, kFault);
  // Copied out in bounded chunks: the guest decides the sizes, the host's memory use does not
  // follow them. Left uninitialized on purpose: zeroing 64 KiB per call was nearly half the cost of
  // a small write (bench/wasm).
  const auto& sink = fd == 1 ? options.writeStdout : options.writeStderr;
  std::array<std::uint8_t, kChunkBytes> chunk;
  for (const auto& [pointer, length] : iovecs) {
    for (std::uint64_t done = 0; done < length && sink;) {
      const std::size_t n = std::min<std::uint64_t>(chunk.size(), length - done);
      memory.read(pointer + done, std::span(chunk.data(), n));
      sink(std::string_view(reinterpret_cast<const char*>(chunk.data()), n));
      done += n;
    }
  }
  memory.writeU32(u32(args, 3), static_cast<std::uint32_t>(total));
  return returnErrno(results, kSuccess);
}

HostOutcome fdRead(const WasiOptions& options, GuestMemory& memory, std::span<const Value> args,
                   std::span<Value> results) {
  if (u32(args, 0) != 0)
    return returnErrno(results, kBadf);
  const std::uint32_t count = u32(args, 2);
  if (count > kMaxIovecs)
    return returnErrno(results, kInval);
  std::uint64_t total = 0;
  std::array<std::uint8_t, kChunkBytes> chunk;  // uninitialized: see fdWrite
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t iovec = std::uint64_t{u32(args, 1)} + std::uint64_t{8} * i;
    auto pointer = memory.readU32(iovec);
    auto length = memory.readU32(iovec + 4);
    if (!pointer || !length || !memory.contains(*pointer, *length))
      return returnErrno(results, kFault);
    // At most one chunk per iovec: a short read is allowed and bounds the host's buffer.
    const std::span<std::uint8_t> into(chunk.data(), std::min<std::uint32_t>(*length, kChunkBytes));
    const std::size_t got = options.readStdin ? std::min(options.readStdin(into), into.size()) : 0;
    memory.write(*pointer, std::span<const std::uint8_t>(chunk.data(), got));
    total += got;
    if (got < *length)
      break;  // short read: give the guest what there is
  }
  if (!memory.writeU32(u32(args, 3), static_cast<std::uint32_t>(total)))
    return returnErrno(results, kFault);
  return returnErrno(results, kSuccess);
}

HostOutcome fdFdstatGet(GuestMemory& memory, std::span<const Value> args,
                        std::span<Value> results) {
  if (u32(args, 0) > 2)
    return returnErrno(results, kBadf);
  const std::uint64_t at = u32(args, 1);
  const bool ok = memory.fill(at, 24, 0) && memory.writeU8(at, kCharacterDevice) &&
                  memory.writeU64(at + 8, kStdioRights) && memory.writeU64(at + 16, kStdioRights);
  return returnErrno(results, ok ? kSuccess : kFault);
}

HostOutcome clockTimeGet(GuestMemory& memory, std::span<const Value> args,
                         std::span<Value> results) {
  clockid_t clock = CLOCK_REALTIME;
  switch (u32(args, 0)) {
    case 0:
      clock = CLOCK_REALTIME;
      break;
    case 1:
      clock = CLOCK_MONOTONIC;
      break;
    case 2:
      clock = CLOCK_PROCESS_CPUTIME_ID;
      break;
    case 3:
      clock = CLOCK_THREAD_CPUTIME_ID;
      break;
    default:
      return returnErrno(results, kInval);
  }
  timespec now{};
  clock_gettime(clock, &now);
  const auto nanoseconds = static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000U +
                           static_cast<std::uint64_t>(now.tv_nsec);
  return returnErrno(results, memory.writeU64(u32(args, 2), nanoseconds) ? kSuccess : kFault);
}

HostOutcome clockResGet(GuestMemory& memory, std::span<const Value> args,
                        std::span<Value> results) {
  if (u32(args, 0) > 3)
    return returnErrno(results, kInval);
  return returnErrno(results, memory.writeU64(u32(args, 1), 1) ? kSuccess : kFault);
}

HostOutcome randomGet(GuestMemory& memory, std::span<const Value> args, std::span<Value> results) {
  const std::uint64_t at = u32(args, 0);
  const std::uint64_t length = u32(args, 1);
  if (!memory.contains(at, length))
    return returnErrno(results, kFault);
  std::array<std::uint8_t, 256> chunk{};
  for (std::uint64_t done = 0; done < length;) {
    const std::size_t want = std::min<std::uint64_t>(chunk.size(), length - done);
    const ssize_t got = getrandom(chunk.data(), want, 0);
    if (got <= 0) {
      if (got < 0 && errno == EINTR)
        continue;
      return returnErrno(results, kIo);
    }
    memory.write(at + done,
                 std::span<const std::uint8_t>(chunk.data(), static_cast<std::size_t>(got)));
    done += static_cast<std::uint64_t>(got);
  }
  return returnErrno(results, kSuccess);
}

// A function that exists so modules link, answering one errno.
HostFunction refuse(std::string name, std::vector<ValueType> params, std::int32_t errnoValue) {
  return {std::string(WasiHost::kModule),
          std::move(name),
          {std::move(params), {I32}},
          [errnoValue](GuestMemory&, std::span<const Value>, std::span<Value> results) {
            return returnErrno(results, errnoValue);
          }};
}

}  // namespace

WasiOptions withProcessStreams(WasiOptions options) {
  options.readStdin = [](std::span<std::uint8_t> out) -> std::size_t {
    for (;;) {
      const ssize_t got = ::read(STDIN_FILENO, out.data(), out.size());
      if (got >= 0)
        return static_cast<std::size_t>(got);
      if (errno != EINTR)
        return 0;
    }
  };
  auto writeAll = [](int fd) {
    return [fd](std::string_view data) {
      while (!data.empty()) {
        const ssize_t written = ::write(fd, data.data(), data.size());
        if (written < 0 && errno == EINTR)
          continue;
        if (written <= 0)
          return;  // a closed pipe: the guest's output has nowhere to go
        data.remove_prefix(static_cast<std::size_t>(written));
      }
    };
  };
  options.writeStdout = writeAll(STDOUT_FILENO);
  options.writeStderr = writeAll(STDERR_FILENO);
  return options;
}

WasiHost::WasiHost(WasiOptions options)
    : options_(std::make_shared<const WasiOptions>(std::move(options))) {}

void WasiHost::addTo(Imports& imports) const {
  const std::string module(kModule);
  auto add = [&](std::string name, FunctionType type, HostCallback callback) {
    imports.add({module, std::move(name), std::move(type), std::move(callback)});
  };
  const Options options = options_;
  add("args_sizes_get", {{I32, I32}, {I32}}, [options](auto& memory, auto args, auto results) {
    return stringsSizes(options->args, memory, args, results);
  });
  add("args_get", {{I32, I32}, {I32}}, [options](auto& memory, auto args, auto results) {
    return stringsGet(options->args, memory, args, results);
  });
  add("environ_sizes_get", {{I32, I32}, {I32}}, [options](auto& memory, auto args, auto results) {
    return stringsSizes(options->environment, memory, args, results);
  });
  add("environ_get", {{I32, I32}, {I32}}, [options](auto& memory, auto args, auto results) {
    return stringsGet(options->environment, memory, args, results);
  });
  add("fd_write", {{I32, I32, I32, I32}, {I32}}, [options](auto& memory, auto args, auto results) {
    return fdWrite(*options, memory, args, results);
  });
  add("fd_read", {{I32, I32, I32, I32}, {I32}}, [options](auto& memory, auto args, auto results) {
    return fdRead(*options, memory, args, results);
  });
  add("fd_fdstat_get", {{I32, I32}, {I32}}, fdFdstatGet);
  add("fd_close", {{I32}, {I32}}, [](GuestMemory&, auto args, auto results) {
    return returnErrno(results, u32(args, 0) <= 2 ? kSuccess : kBadf);
  });
  add("fd_seek", {{I32, I64, I32, I32}, {I32}}, [](GuestMemory&, auto args, auto results) {
    return returnErrno(results, u32(args, 0) <= 2 ? kSpipe : kBadf);
  });
  // No preopened directories: BADF for every fd ends wasi-libc's preopen scan.
  add("fd_prestat_get", {{I32, I32}, {I32}},
      [](GuestMemory&, auto, auto results) { return returnErrno(results, kBadf); });
  add("fd_prestat_dir_name", {{I32, I32, I32}, {I32}},
      [](GuestMemory&, auto, auto results) { return returnErrno(results, kBadf); });
  add("clock_time_get", {{I32, I64, I32}, {I32}}, clockTimeGet);
  add("clock_res_get", {{I32, I32}, {I32}}, clockResGet);
  add("random_get", {{I32, I32}, {I32}}, randomGet);
  add("sched_yield", {{}, {I32}},
      [](GuestMemory&, auto, auto results) { return returnErrno(results, kSuccess); });
  add("proc_exit", {{I32}, {}},
      [](GuestMemory&, auto args, auto) { return HostOutcome::exit(args[0].asI32()); });

  // The rest of preview1: present so that modules link, refused when called.
  const std::vector<HostFunction> refused{
      refuse("poll_oneoff", {I32, I32, I32, I32}, kNosys),
      refuse("proc_raise", {I32}, kNosys),
      refuse("fd_advise", {I32, I64, I64, I32}, kBadf),
      refuse("fd_allocate", {I32, I64, I64}, kBadf),
      refuse("fd_datasync", {I32}, kBadf),
      refuse("fd_sync", {I32}, kBadf),
      refuse("fd_tell", {I32, I32}, kBadf),
      refuse("fd_fdstat_set_flags", {I32, I32}, kNosys),
      refuse("fd_fdstat_set_rights", {I32, I64, I64}, kNosys),
      refuse("fd_filestat_get", {I32, I32}, kBadf),
      refuse("fd_filestat_set_size", {I32, I64}, kBadf),
      refuse("fd_filestat_set_times", {I32, I64, I64, I32}, kBadf),
      refuse("fd_pread", {I32, I32, I32, I64, I32}, kBadf),
      refuse("fd_pwrite", {I32, I32, I32, I64, I32}, kBadf),
      refuse("fd_readdir", {I32, I32, I32, I64, I32}, kBadf),
      refuse("fd_renumber", {I32, I32}, kBadf),
      refuse("path_create_directory", {I32, I32, I32}, kNosys),
      refuse("path_filestat_get", {I32, I32, I32, I32, I32}, kNosys),
      refuse("path_filestat_set_times", {I32, I32, I32, I32, I64, I64, I32}, kNosys),
      refuse("path_link", {I32, I32, I32, I32, I32, I32, I32}, kNosys),
      refuse("path_open", {I32, I32, I32, I32, I32, I64, I64, I32, I32}, kNosys),
      refuse("path_readlink", {I32, I32, I32, I32, I32, I32}, kNosys),
      refuse("path_remove_directory", {I32, I32, I32}, kNosys),
      refuse("path_rename", {I32, I32, I32, I32, I32, I32}, kNosys),
      refuse("path_symlink", {I32, I32, I32, I32, I32}, kNosys),
      refuse("path_unlink_file", {I32, I32, I32}, kNosys),
      refuse("sock_accept", {I32, I32, I32}, kNosys),
      refuse("sock_recv", {I32, I32, I32, I32, I32, I32}, kNosys),
      refuse("sock_send", {I32, I32, I32, I32, I32}, kNosys),
      refuse("sock_shutdown", {I32, I32}, kNosys),
  };
  for (const auto& function : refused)
    imports.add(function);
}

}  // namespace wasmesh::wasm::wasi
