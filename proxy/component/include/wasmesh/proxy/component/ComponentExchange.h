#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "wasmesh/proxy/component/GuestOutcome.h"
#include "wasmesh/proxy/component/ThreadSignal.h"
#include "wasmesh/wasm/WasmError.h"
#include "wasmesh/wasm/component/http/IncomingHandler.h"
#include "wasmesh/wasm/component/wasi/GuestWaker.h"

namespace wasmesh::proxy::component {

// One request crossing between the event loop that serves it and the guest thread that runs
// the component for it: the request, the response the guest sets, how the guest's run ended,
// and the way the event loop stops the guest (a client that went away). Thread-safe; every
// change the event loop waits for notifies its ThreadSignal.
class ComponentExchange final : public wasm::component::http::ResponseOutparam {
 public:
  using Clock = std::chrono::steady_clock;

  ComponentExchange(wasm::component::http::HttpRequest request,
                    std::shared_ptr<ThreadSignal> signal, Clock::time_point deadline);

  Clock::time_point deadline() const { return deadline_; }

  // The guest's side.
  wasm::component::http::HttpRequest takeRequest();
  // The guest starts on it: false when it was cancelled before (nothing to run). From here
  // cancel() ends the guest's waits through `waker`.
  bool start(std::shared_ptr<wasm::component::wasi::GuestWaker> waker);
  void respond(wasm::component::http::HttpResponse response) override;
  void fail(wasm::component::http::HttpError error) override;
  void finish(GuestOutcome outcome);

  // The event loop's side.
  std::optional<wasm::component::http::HttpResponse> takeResponse();
  // The error code the guest set instead of a response, if it did.
  std::optional<wasm::component::http::HttpError> errorCode() const;
  std::optional<GuestOutcome> outcome() const;
  // The body of the response the guest set, whoever holds the response now.
  std::shared_ptr<wasm::component::http::BodyPipe> responseBody() const;
  void cancel(const std::string& why);
  bool cancelled() const;

 private:
  const Clock::time_point deadline_;
  std::shared_ptr<ThreadSignal> signal_;
  mutable std::mutex mutex_;
  wasm::component::http::HttpRequest request_;
  std::optional<wasm::component::http::HttpResponse> response_;
  std::shared_ptr<wasm::component::http::BodyPipe> responseBody_;
  std::optional<wasm::component::http::HttpError> errorCode_;
  std::optional<GuestOutcome> outcome_;
  std::shared_ptr<wasm::component::wasi::GuestWaker> waker_;
  std::optional<std::string> cancelled_;
};

}  // namespace wasmesh::proxy::component
