#include "wasmesh/proxy/component/ComponentExchange.h"

#include "wasmesh/wasm/component/http/BodyPipe.h"

namespace wasmesh::proxy::component {

using wasm::component::http::HttpError;
using wasm::component::http::HttpRequest;
using wasm::component::http::HttpResponse;

ComponentExchange::ComponentExchange(HttpRequest request, std::shared_ptr<ThreadSignal> signal,
                                     Clock::time_point deadline)
    : deadline_(deadline), signal_(std::move(signal)), request_(std::move(request)) {}

HttpRequest ComponentExchange::takeRequest() {
  const std::lock_guard lock(mutex_);
  return std::move(request_);
}

bool ComponentExchange::start(std::shared_ptr<wasm::component::wasi::GuestWaker> waker) {
  const std::lock_guard lock(mutex_);
  if (cancelled_)
    return false;
  waker_ = std::move(waker);
  return true;
}

void ComponentExchange::respond(HttpResponse response) {
  {
    const std::lock_guard lock(mutex_);
    responseBody_ = response.body;
    response_ = std::move(response);
  }
  signal_->notify();
}

void ComponentExchange::fail(HttpError error) {
  {
    const std::lock_guard lock(mutex_);
    errorCode_ = std::move(error);
  }
  signal_->notify();
}

void ComponentExchange::finish(GuestOutcome outcome) {
  {
    const std::lock_guard lock(mutex_);
    outcome_ = std::move(outcome);
    waker_.reset();
  }
  signal_->notify();
}

std::optional<HttpResponse> ComponentExchange::takeResponse() {
  const std::lock_guard lock(mutex_);
  auto response = std::move(response_);
  response_.reset();
  return response;
}

std::optional<HttpError> ComponentExchange::errorCode() const {
  const std::lock_guard lock(mutex_);
  return errorCode_;
}

std::optional<GuestOutcome> ComponentExchange::outcome() const {
  const std::lock_guard lock(mutex_);
  return outcome_;
}

void ComponentExchange::cancel(const std::string& why) {
  std::shared_ptr<wasm::component::wasi::GuestWaker> waker;
  {
    const std::lock_guard lock(mutex_);
    if (cancelled_ || outcome_)
      return;
    cancelled_ = why;
    waker = waker_;
  }
  if (waker)
    waker->cancel(wasm::WasmError::make(errc::wasm_trap, "cancelled: " + why));
}

std::shared_ptr<wasm::component::http::BodyPipe> ComponentExchange::responseBody() const {
  const std::lock_guard lock(mutex_);
  return responseBody_;
}

bool ComponentExchange::cancelled() const {
  const std::lock_guard lock(mutex_);
  return cancelled_.has_value();
}

}  // namespace wasmesh::proxy::component
