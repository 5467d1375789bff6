// wasi:clocks (monotonic-clock, wall-clock) and wasi:random (random, insecure, insecure-seed).
#include <sys/random.h>

#include <cerrno>
#include <ctime>

#include "WasiInterfaces.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {
namespace {

using Result = WasmResult<std::optional<Val>>;

std::uint64_t monotonicNanos() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000U +
         static_cast<std::uint64_t>(now.tv_nsec);
}

Result pollableAt(HostState& state, std::uint64_t nanosFromNow) {
  // Saturate: a guest asking for the end of time gets a deadline far away, not an overflow.
  const auto wait =
      std::chrono::nanoseconds(std::min<std::uint64_t>(nanosFromNow, std::uint64_t{1} << 62));
  auto rep = wasiState(state).add(Pollable{std::chrono::steady_clock::now() + wait, nullptr});
  if (!rep)
    return rep.error();
  return Val::own(*rep);
}

WasmResult<std::string> randomBytes(std::uint64_t length) {
  // A guest may ask for any length; the host hands out at most this much per call.
  constexpr std::uint64_t kMaxRandom = std::uint64_t{16} << 20;
  if (length > kMaxRandom)
    return WasmError::makeTrap(TrapKind::host_error, {},
                               "asks for " + std::to_string(length) +
                                   " random bytes, more than the 16 MiB a call may get");
  std::string bytes(length, '\0');
  std::size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::getrandom(bytes.data() + filled, bytes.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      return WasmError::makeTrap(TrapKind::host_error, {}, "getrandom failed");
    }
    filled += static_cast<std::size_t>(got);
  }
  return bytes;
}

WasmResult<std::uint64_t> randomU64() {
  auto bytes = randomBytes(8);
  if (!bytes)
    return bytes.error();
  std::uint64_t value = 0;
  for (int i = 0; i < 8; ++i)
    value = (value << 8) | static_cast<std::uint8_t>((*bytes)[i]);
  return value;
}

}  // namespace

void addClocksAndRandom(ComponentHost& host) {
  HostInterface monotonic("wasi:clocks", "monotonic-clock", kWasiVersion);
  monotonic.use("pollable", "wasi:io/poll", "pollable")
      .type("instant", "u64")
      .type("duration", "u64");
  monotonic.function("now", "func() -> instant", [](HostState&, std::vector<Val>&) -> Result {
    return Val::u64(monotonicNanos());
  });
  monotonic.function("resolution", "func() -> duration",
                     [](HostState&, std::vector<Val>&) -> Result { return Val::u64(1); });
  monotonic.function("subscribe-instant", "func(when: instant) -> pollable",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       const std::uint64_t now = monotonicNanos();
                       const std::uint64_t when = args[0].asU64();
                       return pollableAt(state, when > now ? when - now : 0);
                     });
  monotonic.function("subscribe-duration", "func(when: duration) -> pollable",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       return pollableAt(state, args[0].asU64());
                     });
  host.add(std::move(monotonic));

  HostInterface wall("wasi:clocks", "wall-clock", kWasiVersion);
  wall.type("datetime", "record { seconds: u64, nanoseconds: u32 }");
  wall.function("now", "func() -> datetime", [](HostState&, std::vector<Val>&) -> Result {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return Val::record({Val::u64(static_cast<std::uint64_t>(now.tv_sec)),
                        Val::u32(static_cast<std::uint32_t>(now.tv_nsec))});
  });
  wall.function("resolution", "func() -> datetime", [](HostState&, std::vector<Val>&) -> Result {
    return Val::record({Val::u64(0), Val::u32(1)});
  });
  host.add(std::move(wall));

  for (const char* name : {"random", "insecure"}) {
    const std::string prefix = std::string(name) == "random" ? "get-random" : "get-insecure-random";
    HostInterface random("wasi:random", name, kWasiVersion);
    random.function(prefix + "-bytes", "func(len: u64) -> list<u8>",
                    [](HostState&, std::vector<Val>& args) -> Result {
                      auto bytes = randomBytes(args[0].asU64());
                      if (!bytes)
                        return bytes.error();
                      return Val::bytes(std::move(*bytes));
                    });
    random.function(prefix + "-u64", "func() -> u64", [](HostState&, std::vector<Val>&) -> Result {
      auto value = randomU64();
      if (!value)
        return value.error();
      return Val::u64(*value);
    });
    host.add(std::move(random));
  }
  HostInterface seed("wasi:random", "insecure-seed", kWasiVersion);
  seed.function("insecure-seed", "func() -> tuple<u64, u64>",
                [](HostState&, std::vector<Val>&) -> Result {
                  auto low = randomU64();
                  auto high = low ? randomU64() : low;
                  if (!high)
                    return high.error();
                  return Val::tuple({Val::u64(*low), Val::u64(*high)});
                });
  host.add(std::move(seed));
}

}  // namespace wasmesh::wasm::component::wasi
