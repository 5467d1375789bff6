#include "VmState.h"

#include <spdlog/spdlog.h>

#include <array>
#include <string>

#include "wasmesh/wasm/wasi/WasiHost.h"

namespace wasmesh::wasm::proxywasm {
namespace {

// What a WASI call answers while the guard refuses it: NOSYS.
constexpr std::int32_t kWasiNosys = 52;

// Every preview1 function WasiHost provides; the clock and fd_write pass the guard.
constexpr std::array kWasiFunctions{
    "args_sizes_get",
    "args_get",
    "environ_sizes_get",
    "environ_get",
    "fd_write",
    "fd_read",
    "fd_fdstat_get",
    "fd_close",
    "fd_seek",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "clock_time_get",
    "clock_res_get",
    "random_get",
    "sched_yield",
    "proc_exit",
    "poll_oneoff",
    "proc_raise",
    "fd_advise",
    "fd_allocate",
    "fd_datasync",
    "fd_sync",
    "fd_tell",
    "fd_fdstat_set_flags",
    "fd_fdstat_set_rights",
    "fd_filestat_get",
    "fd_filestat_set_size",
    "fd_filestat_set_times",
    "fd_pread",
    "fd_pwrite",
    "fd_readdir",
    "fd_renumber",
    "path_create_directory",
    "path_filestat_get",
    "path_filestat_set_times",
    "path_link",
    "path_open",
    "path_readlink",
    "path_remove_directory",
    "path_rename",
    "path_symlink",
    "path_unlink_file",
    "sock_accept",
    "sock_recv",
    "sock_send",
    "sock_shutdown",
};

bool allowedDuringAllocation(std::string_view name) {
  return name == "fd_write" || name == "clock_time_get" || name == "clock_res_get";
}

spdlog::level::level_enum toSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::critical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

// A line longer than this is logged in pieces, so a guest cannot grow the buffer unbounded.
constexpr std::size_t kMaxPendingLine = std::size_t{64} * 1024;

}  // namespace

void ProxyWasmVm::State::log(LogLevel level, std::string_view message) const {
  if (config.logSink) {
    config.logSink(level, message);
    return;
  }
  spdlog::log(toSpdlog(level), "wasm plugin {}: {}", config.name, message);
}

void ProxyWasmVm::State::logStream(std::string& pending, LogLevel level,
                                   std::string_view text) const {
  for (char c : text) {
    if (c == '\n') {
      log(level, pending);
      pending.clear();
    } else {
      pending.push_back(c);
      if (pending.size() >= kMaxPendingLine) {
        log(level, pending);
        pending.clear();
      }
    }
  }
}

LogLevel ProxyWasmVm::State::logLevel() const {
  if (config.logLevel)
    return *config.logLevel;
  switch (spdlog::get_level()) {
    case spdlog::level::trace:
      return LogLevel::trace;
    case spdlog::level::debug:
      return LogLevel::debug;
    case spdlog::level::info:
      return LogLevel::info;
    case spdlog::level::warn:
      return LogLevel::warn;
    case spdlog::level::err:
      return LogLevel::error;
    default:
      return LogLevel::critical;
  }
}

ProxyWasmVm::State::CopyOut ProxyWasmVm::State::copyOut(GuestMemory& memory, std::string_view data,
                                                        std::uint32_t retPtr,
                                                        std::uint32_t retSize) {
  auto status = [](Status s) { return CopyOut{static_cast<std::int32_t>(s), std::nullopt}; };
  if (!memory.contains(retPtr, 4) || !memory.contains(retSize, 4))
    return status(Status::invalid_memory_access);
  if (data.empty()) {
    memory.writeU32(retPtr, 0);
    memory.writeU32(retSize, 0);
    return status(Status::ok);
  }
  if (instance == nullptr || allocator.empty() || data.size() > UINT32_MAX)
    return status(Status::internal_failure);
  inAllocation = true;
  const std::array size{Value::i32(static_cast<std::int32_t>(data.size()))};
  auto allocated = instance->call(allocator, size);
  inAllocation = false;
  if (!allocated)
    return {0, HostOutcome::trap(allocator + " failed: " + allocated.error().describe())};
  if (allocated->size() != 1 || (*allocated)[0].type != ValueType::i32)
    return {0, HostOutcome::trap(allocator + " returned no pointer")};
  const std::uint32_t pointer = (*allocated)[0].asU32();
  if (pointer == 0)
    return status(Status::invalid_memory_access);  // the guest is out of memory
  // From here through the instance: `memory` may be stale after the allocator ran.
  auto le32 = [](std::uint32_t value) {
    return std::array<std::uint8_t, 4>{
        static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8U),
        static_cast<std::uint8_t>(value >> 16U), static_cast<std::uint8_t>(value >> 24U)};
  };
  const auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  if (!instance->writeMemory(pointer, bytes) || !instance->writeMemory(retPtr, le32(pointer)) ||
      !instance->writeMemory(retSize, le32(static_cast<std::uint32_t>(data.size()))))
    return status(Status::invalid_memory_access);
  return status(Status::ok);
}

void addWasiFunctions(Imports& imports, const std::shared_ptr<ProxyWasmVm::State>& state) {
  wasi::WasiOptions options;
  options.args = {state->config.name};
  // Weakly held: these callbacks need no say in how long the state lives.
  std::weak_ptr<ProxyWasmVm::State> weak = state;
  options.writeStdout = [weak](std::string_view text) {
    if (auto s = weak.lock())
      s->logStream(s->pendingStdout, LogLevel::info, text);
  };
  options.writeStderr = [weak](std::string_view text) {
    if (auto s = weak.lock())
      s->logStream(s->pendingStderr, LogLevel::error, text);
  };
  Imports wasi;
  wasi::WasiHost(std::move(options)).addTo(wasi);
  const std::string module(wasi::WasiHost::kModule);
  for (const char* name : kWasiFunctions) {
    const HostFunction* function = wasi.findFunction(module, name);
    if (function == nullptr)
      continue;
    HostFunction copy = *function;
    if (!allowedDuringAllocation(name)) {
      copy.callback = [state, inner = function->callback](GuestMemory& memory,
                                                          std::span<const Value> args,
                                                          std::span<Value> results) {
        if (!state->inAllocation)
          return inner(memory, args, results);
        if (results.empty())  // proc_exit: cannot answer, so the allocation fails
          return HostOutcome::trap("proc_exit inside proxy_on_memory_allocate");
        results[0] = Value::i32(kWasiNosys);
        return HostOutcome::ok();
      };
    }
    imports.add(std::move(copy));
  }
}

}  // namespace wasmesh::wasm::proxywasm
