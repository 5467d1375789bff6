// wasi:io (error, poll, streams) for the standard streams and files.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "FileErrors.h"
#include "WasiInterfaces.h"
#include "WasiState.h"

namespace wasmesh::wasm::component::wasi {
namespace {

using Result = WasmResult<std::optional<Val>>;

HostDestructor dropObject() {
  return [](HostState& state, std::uint32_t rep) { wasiState(state).remove(rep); };
}

Result newPollable(WasiState& state, std::optional<std::chrono::steady_clock::time_point> when) {
  auto rep = state.add(Pollable{when});
  if (!rep)
    return rep.error();
  return Val::own(*rep);
}

// Reads up to `length` bytes (bounded by kMaxChunk): the bytes, or a stream error.
Result read(WasiState& state, std::uint32_t rep, std::uint64_t length) {
  auto stream = state.get<InputStream>(rep);
  if (!stream)
    return stream.error();
  std::vector<std::uint8_t> buffer(std::min(length, kMaxChunk));
  if (buffer.empty())
    return Val::ok(Val::bytes(std::string()));
  std::size_t got = 0;
  if ((*stream)->file) {
    const ssize_t n = ::pread((*stream)->file->get(), buffer.data(), buffer.size(),
                              static_cast<off_t>((*stream)->offset));
    if (n < 0)
      return streamError(state, errnoMessage(errno), fileErrorCode(errno));
    got = static_cast<std::size_t>(n);
    (*stream)->offset += got;
  } else if (state.options().readStdin) {
    got = state.options().readStdin(buffer);
  }
  if (got == 0)
    return streamClosed();
  buffer.resize(got);
  return Val::ok(Val::bytes(buffer));
}

Result skip(WasiState& state, std::uint32_t rep, std::uint64_t length) {
  auto bytes = read(state, rep, length);
  if (!bytes || (**bytes).caseIndex() != 0)
    return bytes;
  return Val::ok(Val::u64((**bytes).payload()->listSize()));
}

Result write(WasiState& state, std::uint32_t rep, std::span<const std::uint8_t> bytes) {
  auto stream = state.get<OutputStream>(rep);
  if (!stream)
    return stream.error();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  switch ((*stream)->target) {
    case OutputStream::Target::standardOutput:
      if (state.options().writeStdout)
        state.options().writeStdout(text);
      return Val::ok();
    case OutputStream::Target::standardError:
      if (state.options().writeStderr)
        state.options().writeStderr(text);
      return Val::ok();
    case OutputStream::Target::file:
      break;
  }
  const int fd = (*stream)->file->get();
  if ((*stream)->append) {
    const off_t end = ::lseek(fd, 0, SEEK_END);
    if (end >= 0)
      (*stream)->offset = static_cast<std::uint64_t>(end);
  }
  while (!bytes.empty()) {
    const ssize_t n =
        ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>((*stream)->offset));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return streamError(state, errnoMessage(errno), fileErrorCode(errno));
    }
    (*stream)->offset += static_cast<std::uint64_t>(n);
    bytes = bytes.subspan(static_cast<std::size_t>(n));
  }
  return Val::ok();
}

Result splice(WasiState& state, std::uint32_t output, std::uint32_t input, std::uint64_t length) {
  auto bytes = read(state, input, length);
  if (!bytes || (**bytes).caseIndex() != 0)
    return bytes;
  const Val& chunk = *(**bytes).payload();
  auto written = write(state, output, chunk.byteSpan());
  if (!written || (**written).caseIndex() != 0)
    return written;
  return Val::ok(Val::u64(chunk.listSize()));
}

bool ready(const Pollable& pollable, std::chrono::steady_clock::time_point now) {
  return !pollable.deadline || *pollable.deadline <= now;
}

Result poll(WasiState& state, const Val& list) {
  if (list.listSize() == 0)
    return WasmError::makeTrap(TrapKind::host_error, {}, "poll of an empty list");
  std::vector<const Pollable*> pollables;
  for (const Val& handle : list.items()) {
    auto pollable = state.get<Pollable>(handle.rep());
    if (!pollable)
      return pollable.error();
    pollables.push_back(*pollable);
  }
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    std::vector<Val> readyOnes;
    auto soonest = std::chrono::steady_clock::time_point::max();
    for (std::size_t i = 0; i < pollables.size(); ++i) {
      if (ready(*pollables[i], now))
        readyOnes.push_back(Val::u32(static_cast<std::uint32_t>(i)));
      else
        soonest = std::min(soonest, *pollables[i]->deadline);
    }
    if (!readyOnes.empty())
      return Val::list(std::move(readyOnes));
    std::this_thread::sleep_until(soonest);
  }
}

}  // namespace

void addIo(ComponentHost& host) {
  HostInterface error("wasi:io", "error", kWasiVersion);
  error.resource("error", dropObject());
  error.function("[method]error.to-debug-string", "func(self: borrow<error>) -> string",
                 [](HostState& state, std::vector<Val>& args) -> Result {
                   auto found = wasiState(state).get<IoError>(args[0].rep());
                   if (!found)
                     return found.error();
                   return Val::string((*found)->message);
                 });
  host.add(std::move(error));

  HostInterface poll("wasi:io", "poll", kWasiVersion);
  poll.resource("pollable", dropObject());
  poll.function("[method]pollable.ready", "func(self: borrow<pollable>) -> bool",
                [](HostState& state, std::vector<Val>& args) -> Result {
                  auto pollable = wasiState(state).get<Pollable>(args[0].rep());
                  if (!pollable)
                    return pollable.error();
                  return Val::boolean(ready(**pollable, std::chrono::steady_clock::now()));
                });
  poll.function("[method]pollable.block", "func(self: borrow<pollable>)",
                [](HostState& state, std::vector<Val>& args) -> Result {
                  auto pollable = wasiState(state).get<Pollable>(args[0].rep());
                  if (!pollable)
                    return pollable.error();
                  if ((*pollable)->deadline)
                    std::this_thread::sleep_until(*(*pollable)->deadline);
                  return std::optional<Val>();
                });
  poll.function("poll", "func(in: list<borrow<pollable>>) -> list<u32>",
                [](HostState& state, std::vector<Val>& args) -> Result {
                  return wasi::poll(wasiState(state), args[0]);
                });
  host.add(std::move(poll));

  HostInterface streams("wasi:io", "streams", kWasiVersion);
  streams.use("error", "wasi:io/error", "error")
      .use("pollable", "wasi:io/poll", "pollable")
      .type("stream-error", "variant { last-operation-failed(error), closed }")
      .resource("input-stream", dropObject())
      .resource("output-stream", dropObject());
  for (const char* name : {"read", "blocking-read"}) {
    streams.function(std::string("[method]input-stream.") + name,
                     "func(self: borrow<input-stream>, len: u64) -> result<list<u8>, stream-error>",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       return read(wasiState(state), args[0].rep(), args[1].asU64());
                     });
  }
  for (const char* name : {"skip", "blocking-skip"}) {
    streams.function(std::string("[method]input-stream.") + name,
                     "func(self: borrow<input-stream>, len: u64) -> result<u64, stream-error>",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       return skip(wasiState(state), args[0].rep(), args[1].asU64());
                     });
  }
  for (const char* resource : {"input-stream", "output-stream"}) {
    streams.function(std::string("[method]") + resource + ".subscribe",
                     std::string("func(self: borrow<") + resource + ">) -> pollable",
                     [](HostState& state, std::vector<Val>&) -> Result {
                       return newPollable(wasiState(state), std::nullopt);
                     });
  }
  streams.function("[method]output-stream.check-write",
                   "func(self: borrow<output-stream>) -> result<u64, stream-error>",
                   [](HostState& state, std::vector<Val>& args) -> Result {
                     auto stream = wasiState(state).get<OutputStream>(args[0].rep());
                     if (!stream)
                       return stream.error();
                     return Val::ok(Val::u64(kMaxChunk));
                   });
  for (const char* name : {"write", "blocking-write-and-flush"}) {
    streams.function(
        std::string("[method]output-stream.") + name,
        "func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>",
        [](HostState& state, std::vector<Val>& args) -> Result {
          return write(wasiState(state), args[0].rep(), args[1].byteSpan());
        });
  }
  for (const char* name : {"flush", "blocking-flush"}) {
    streams.function(std::string("[method]output-stream.") + name,
                     "func(self: borrow<output-stream>) -> result<_, stream-error>",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       auto stream = wasiState(state).get<OutputStream>(args[0].rep());
                       if (!stream)
                         return stream.error();
                       return Val::ok();
                     });
  }
  for (const char* name : {"write-zeroes", "blocking-write-zeroes-and-flush"}) {
    streams.function(std::string("[method]output-stream.") + name,
                     "func(self: borrow<output-stream>, len: u64) -> result<_, stream-error>",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       const std::vector<std::uint8_t> zeroes(std::min(args[1].asU64(), kMaxChunk));
                       return write(wasiState(state), args[0].rep(), zeroes);
                     });
  }
  for (const char* name : {"splice", "blocking-splice"}) {
    streams.function(std::string("[method]output-stream.") + name,
                     "func(self: borrow<output-stream>, src: borrow<input-stream>, len: u64) -> "
                     "result<u64, stream-error>",
                     [](HostState& state, std::vector<Val>& args) -> Result {
                       return splice(wasiState(state), args[0].rep(), args[1].rep(),
                                     args[2].asU64());
                     });
  }
  host.add(std::move(streams));
}

}  // namespace wasmesh::wasm::component::wasi
