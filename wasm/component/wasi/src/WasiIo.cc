// wasi:io (error, poll, streams) for the standard streams, files and the streams other host
// packages back with a StreamSource or StreamSink (HTTP bodies). Every blocking call waits on
// the instance's GuestWaker, so the embedder can end it (docs/components.md).
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "FileErrors.h"
#include "WasiInterfaces.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::wasi {
namespace {

using Result = WasmResult<std::optional<Val>>;
using Clock = std::chrono::steady_clock;

HostDestructor dropObject() {
  return [](HostState& state, std::uint32_t rep) { wasiState(state).remove(rep); };
}

Result newPollable(WasiState& state, std::shared_ptr<Readiness> readiness) {
  auto rep = state.add(Pollable{std::nullopt, std::move(readiness)});
  if (!rep)
    return rep.error();
  return Val::own(*rep);
}

Result sourceError(WasiState& state, const StreamSource::Chunk& chunk) {
  if (chunk.status == StreamSource::Chunk::Status::closed)
    return streamClosed();
  return streamError(state, chunk.error);
}

// Reads from a source, waiting for bytes when `blocking`.
Result readSource(WasiState& state, StreamSource& source, std::uint64_t length, bool blocking) {
  for (;;) {
    const std::uint64_t seen = state.waker()->generation();
    StreamSource::Chunk chunk = source.read(std::min(length, kMaxChunk));
    if (chunk.status != StreamSource::Chunk::Status::data)
      return sourceError(state, chunk);
    if (!chunk.bytes.empty() || !blocking)
      return Val::ok(Val::bytes(std::move(chunk.bytes)));
    if (auto waited = state.waker()->wait(seen); !waited)
      return waited.error();
  }
}

// Reads up to `length` bytes (bounded by kMaxChunk): the bytes, or a stream error.
Result read(WasiState& state, std::uint32_t rep, std::uint64_t length, bool blocking) {
  auto stream = state.get<InputStream>(rep);
  if (!stream)
    return stream.error();
  if (length == 0)
    return Val::ok(Val::bytes(std::string()));
  if ((*stream)->source)
    return readSource(state, *(*stream)->source, length, blocking);
  std::vector<std::uint8_t> buffer(std::min(length, kMaxChunk));
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

Result skip(WasiState& state, std::uint32_t rep, std::uint64_t length, bool blocking) {
  auto bytes = read(state, rep, length, blocking);
  if (!bytes || (**bytes).caseIndex() != 0)
    return bytes;
  return Val::ok(Val::u64((**bytes).payload()->listSize()));
}

Result permitError(WasiState& state, const StreamSink::Permit& permit) {
  if (permit.status == StreamSink::Permit::Status::closed)
    return streamClosed();
  return streamError(state, permit.error);
}

// Waits until the sink takes writes again (or closed or failed): blocking-flush.
Result waitWritable(WasiState& state, StreamSink& sink) {
  for (;;) {
    const std::uint64_t seen = state.waker()->generation();
    const StreamSink::Permit permit = sink.permit();
    if (permit.status != StreamSink::Permit::Status::open)
      return permitError(state, permit);
    if (permit.bytes > 0)
      return Val::ok();
    if (auto waited = state.waker()->wait(seen); !waited)
      return waited.error();
  }
}

Result writeSink(WasiState& state, StreamSink& sink, std::span<const std::uint8_t> bytes,
                 bool blocking) {
  if (!blocking) {
    const StreamSink::Permit permit = sink.permit();
    if (permit.status != StreamSink::Permit::Status::open)
      return permitError(state, permit);
    // wasi:io: writing more than check-write allowed is a trap.
    if (bytes.size() > permit.bytes)
      return WasmError::makeTrap(TrapKind::host_error, {},
                                 "write of " + std::to_string(bytes.size()) +
                                     " bytes, more than check-write permits (" +
                                     std::to_string(permit.bytes) + ")");
    const StreamSink::Permit after = sink.write(bytes);
    if (after.status == StreamSink::Permit::Status::failed)
      return permitError(state, after);
    return Val::ok();
  }
  while (!bytes.empty()) {
    const std::uint64_t seen = state.waker()->generation();
    const StreamSink::Permit permit = sink.permit();
    if (permit.status != StreamSink::Permit::Status::open)
      return permitError(state, permit);
    if (permit.bytes == 0) {
      if (auto waited = state.waker()->wait(seen); !waited)
        return waited.error();
      continue;
    }
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(permit.bytes, bytes.size()));
    const StreamSink::Permit after = sink.write(bytes.first(n));
    if (after.status == StreamSink::Permit::Status::failed)
      return permitError(state, after);
    bytes = bytes.subspan(n);
  }
  return waitWritable(state, sink);
}

Result write(WasiState& state, std::uint32_t rep, std::span<const std::uint8_t> bytes,
             bool blocking) {
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
    case OutputStream::Target::sink:
      return writeSink(state, *(*stream)->sink, bytes, blocking);
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

// How many bytes a non-blocking write may take now: a sink's permit, else a chunk.
Result checkWrite(WasiState& state, std::uint32_t rep) {
  auto stream = state.get<OutputStream>(rep);
  if (!stream)
    return stream.error();
  if ((*stream)->target != OutputStream::Target::sink)
    return Val::ok(Val::u64(kMaxChunk));
  const StreamSink::Permit permit = (*stream)->sink->permit();
  if (permit.status != StreamSink::Permit::Status::open)
    return permitError(state, permit);
  return Val::ok(Val::u64(std::min(permit.bytes, kMaxChunk)));
}

Result flush(WasiState& state, std::uint32_t rep, bool blocking) {
  auto stream = state.get<OutputStream>(rep);
  if (!stream)
    return stream.error();
  if ((*stream)->target != OutputStream::Target::sink)
    return Val::ok();
  if (blocking)
    return waitWritable(state, *(*stream)->sink);
  const StreamSink::Permit permit = (*stream)->sink->permit();
  if (permit.status != StreamSink::Permit::Status::open)
    return permitError(state, permit);
  return Val::ok();
}

Result splice(WasiState& state, std::uint32_t output, std::uint32_t input, std::uint64_t length,
              bool blocking) {
  auto sink = state.get<OutputStream>(output);
  if (!sink)
    return sink.error();
  if ((*sink)->target == OutputStream::Target::sink && !blocking) {
    // A non-blocking splice moves no more than the sink takes now.
    auto permit = checkWrite(state, output);
    if (!permit || (**permit).caseIndex() != 0)
      return permit;
    length = std::min(length, (**permit).payload()->asU64());
  }
  auto bytes = read(state, input, length, blocking);
  if (!bytes || (**bytes).caseIndex() != 0)
    return bytes;
  const Val& chunk = *(**bytes).payload();
  auto written = write(state, output, chunk.byteSpan(), blocking);
  if (!written || (**written).caseIndex() != 0)
    return written;
  return Val::ok(Val::u64(chunk.listSize()));
}

bool ready(const Pollable& pollable, Clock::time_point now) {
  if (pollable.deadline)
    return *pollable.deadline <= now;
  return !pollable.readiness || pollable.readiness->ready();
}

// Waits until at least one of `pollables` is ready; their indexes.
Result poll(WasiState& state, const std::vector<const Pollable*>& pollables) {
  for (;;) {
    const std::uint64_t seen = state.waker()->generation();
    const auto now = Clock::now();
    std::vector<Val> readyOnes;
    auto soonest = Clock::time_point::max();
    for (std::size_t i = 0; i < pollables.size(); ++i) {
      if (ready(*pollables[i], now))
        readyOnes.push_back(Val::u32(static_cast<std::uint32_t>(i)));
      else if (pollables[i]->deadline)
        soonest = std::min(soonest, *pollables[i]->deadline);
    }
    if (!readyOnes.empty())
      return Val::list(std::move(readyOnes));
    if (auto waited = state.waker()->wait(seen, soonest); !waited)
      return waited.error();
  }
}

Result pollList(WasiState& state, const Val& list) {
  if (list.listSize() == 0)
    return WasmError::makeTrap(TrapKind::host_error, {}, "poll of an empty list");
  std::vector<const Pollable*> pollables;
  for (const Val& handle : list.items()) {
    auto pollable = state.get<Pollable>(handle.rep());
    if (!pollable)
      return pollable.error();
    pollables.push_back(*pollable);
  }
  return poll(state, pollables);
}

void addStreamFunctions(HostInterface& streams) {
  for (const bool blocking : {false, true}) {
    const std::string prefix = blocking ? "blocking-" : "";
    streams.function("[method]input-stream." + prefix + "read",
                     "func(self: borrow<input-stream>, len: u64) -> result<list<u8>, stream-error>",
                     [blocking](HostState& state, std::vector<Val>& args) -> Result {
                       return read(wasiState(state), args[0].rep(), args[1].asU64(), blocking);
                     });
    streams.function("[method]input-stream." + prefix + "skip",
                     "func(self: borrow<input-stream>, len: u64) -> result<u64, stream-error>",
                     [blocking](HostState& state, std::vector<Val>& args) -> Result {
                       return skip(wasiState(state), args[0].rep(), args[1].asU64(), blocking);
                     });
    streams.function(
        std::string("[method]output-stream.") + (blocking ? "blocking-write-and-flush" : "write"),
        "func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>",
        [blocking](HostState& state, std::vector<Val>& args) -> Result {
          return write(wasiState(state), args[0].rep(), args[1].byteSpan(), blocking);
        });
    streams.function("[method]output-stream." + prefix + "flush",
                     "func(self: borrow<output-stream>) -> result<_, stream-error>",
                     [blocking](HostState& state, std::vector<Val>& args) -> Result {
                       return flush(wasiState(state), args[0].rep(), blocking);
                     });
    streams.function(std::string("[method]output-stream.") +
                         (blocking ? "blocking-write-zeroes-and-flush" : "write-zeroes"),
                     "func(self: borrow<output-stream>, len: u64) -> result<_, stream-error>",
                     [blocking](HostState& state, std::vector<Val>& args) -> Result {
                       const std::vector<std::uint8_t> zeroes(std::min(args[1].asU64(), kMaxChunk));
                       return write(wasiState(state), args[0].rep(), zeroes, blocking);
                     });
    streams.function("[method]output-stream." + prefix + "splice",
                     "func(self: borrow<output-stream>, src: borrow<input-stream>, len: u64) -> "
                     "result<u64, stream-error>",
                     [blocking](HostState& state, std::vector<Val>& args) -> Result {
                       return splice(wasiState(state), args[0].rep(), args[1].rep(),
                                     args[2].asU64(), blocking);
                     });
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
                  return Val::boolean(ready(**pollable, Clock::now()));
                });
  poll.function("[method]pollable.block", "func(self: borrow<pollable>)",
                [](HostState& state, std::vector<Val>& args) -> Result {
                  auto pollable = wasiState(state).get<Pollable>(args[0].rep());
                  if (!pollable)
                    return pollable.error();
                  auto done = wasi::poll(wasiState(state), {*pollable});
                  if (!done)
                    return done.error();
                  return std::optional<Val>();
                });
  poll.function("poll", "func(in: list<borrow<pollable>>) -> list<u32>",
                [](HostState& state, std::vector<Val>& args) -> Result {
                  return pollList(wasiState(state), args[0]);
                });
  host.add(std::move(poll));

  HostInterface streams("wasi:io", "streams", kWasiVersion);
  streams.use("error", "wasi:io/error", "error")
      .use("pollable", "wasi:io/poll", "pollable")
      .type("stream-error", "variant { last-operation-failed(error), closed }")
      .resource("input-stream", dropObject())
      .resource("output-stream", dropObject());
  addStreamFunctions(streams);
  streams.function("[method]input-stream.subscribe", "func(self: borrow<input-stream>) -> pollable",
                   [](HostState& state, std::vector<Val>& args) -> Result {
                     auto stream = wasiState(state).get<InputStream>(args[0].rep());
                     if (!stream)
                       return stream.error();
                     return newPollable(wasiState(state), (*stream)->source);
                   });
  streams.function("[method]output-stream.subscribe",
                   "func(self: borrow<output-stream>) -> pollable",
                   [](HostState& state, std::vector<Val>& args) -> Result {
                     auto stream = wasiState(state).get<OutputStream>(args[0].rep());
                     if (!stream)
                       return stream.error();
                     return newPollable(wasiState(state), (*stream)->sink);
                   });
  streams.function("[method]output-stream.check-write",
                   "func(self: borrow<output-stream>) -> result<u64, stream-error>",
                   [](HostState& state, std::vector<Val>& args) -> Result {
                     return checkWrite(wasiState(state), args[0].rep());
                   });
  host.add(std::move(streams));
}

}  // namespace wasmesh::wasm::component::wasi
