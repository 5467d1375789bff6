#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "HttpState.h"
#include "wasmesh/wasm/component/ComponentHost.h"

namespace wasmesh::wasm::component::http {

using Result = WasmResult<std::optional<Val>>;

// The interfaces, version 0.2.12 (serving every 0.2.x import), their signatures as WitPrinter
// renders the WIT (see HostInterface).
void addFields(HostInterface& types);
void addMessages(HostInterface& types);
void addBodies(HostInterface& types);
HostInterface outgoingHandler();

// The object behind a handle of the instance's HttpState.
template <typename T>
WasmResult<T*> object(HostState& state, const Val& handle) {
  auto http = httpState(state);
  if (!http)
    return http.error();
  return (*http)->getExtension<T>(handle.rep());
}

// Takes an owned handle's object out of the table (the guest handed it back).
template <typename T>
WasmResult<std::unique_ptr<T>> take(HostState& state, const Val& handle) {
  auto http = httpState(state);
  if (!http)
    return http.error();
  return (*http)->takeExtension<T>(handle.rep());
}

// Adds an object and hands the guest an owned handle to it.
template <typename T>
Result own(HostState& state, std::unique_ptr<T> object) {
  auto http = httpState(state);
  if (!http)
    return http.error();
  auto rep = (*http)->addObject(std::move(object));
  if (!rep)
    return rep.error();
  return Val::own(*rep);
}

// Destroys the object behind a handle the guest dropped.
HostDestructor dropObject();

// A new fields resource (immutable: a message's own headers or received trailers).
Result newFields(HostState& state, HttpFields fields, bool immutable);
// The Content-Length a message declares, when it declares exactly one valid one.
std::optional<std::uint64_t> contentLength(const HttpFields& fields);
// A new pipe whose writer (the guest) is woken by its reader's progress.
std::shared_ptr<BodyPipe> guestWrittenPipe(HttpState& state);
// Wakes the guest when `pipe` has something to read (or ends).
void wakeGuestOnRead(HttpState& state, BodyPipe& pipe);

// The trap for a guest using a resource the wrong way round (a child still alive).
WasmError misuse(const std::string& message);

// An input stream reading a body pipe; closing it (the guest dropped the stream) tells the
// writer that nothing more will be read.
class PipeSource final : public wasi::StreamSource {
 public:
  explicit PipeSource(std::shared_ptr<BodyPipe> pipe) : pipe_(std::move(pipe)) {}
  ~PipeSource() override { pipe_->closeReader(); }
  PipeSource(const PipeSource&) = delete;
  PipeSource& operator=(const PipeSource&) = delete;

  bool ready() const override { return pipe_->readable(); }
  Chunk read(std::size_t max) override;

 private:
  std::shared_ptr<BodyPipe> pipe_;
};

// An output stream writing a body pipe, holding the guest to the Content-Length it declared.
class PipeSink final : public wasi::StreamSink {
 public:
  PipeSink(std::shared_ptr<BodyPipe> pipe, std::optional<std::uint64_t> contentLength,
           bool isRequest)
      : pipe_(std::move(pipe)), contentLength_(contentLength), isRequest_(isRequest) {}

  bool ready() const override;
  Permit permit() override;
  Permit write(std::span<const std::uint8_t> bytes) override;

 private:
  std::shared_ptr<BodyPipe> pipe_;
  std::optional<std::uint64_t> contentLength_;
  bool isRequest_;
};

// A pollable's readiness from a predicate over thread-safe state.
class ReadyWhen final : public wasi::Readiness {
 public:
  explicit ReadyWhen(std::function<bool()> predicate) : predicate_(std::move(predicate)) {}
  bool ready() const override { return predicate_(); }

 private:
  std::function<bool()> predicate_;
};

Result newPollable(HostState& state, std::shared_ptr<wasi::Readiness> readiness);

}  // namespace wasmesh::wasm::component::http
