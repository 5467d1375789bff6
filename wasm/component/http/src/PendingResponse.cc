#include "wasmesh/wasm/component/http/HttpClient.h"

namespace wasmesh::wasm::component::http {

void PendingResponse::resolve(HttpResponse response) {
  std::shared_ptr<std::function<void()>> listener;
  {
    const std::lock_guard lock(mutex_);
    if (answer_ || taken_)
      return;
    answer_ = std::move(response);
    listener = listener_;
  }
  if (listener && *listener)
    (*listener)();
}

void PendingResponse::fail(HttpError error) {
  std::shared_ptr<std::function<void()>> listener;
  {
    const std::lock_guard lock(mutex_);
    if (answer_ || taken_)
      return;
    answer_ = std::move(error);
    listener = listener_;
  }
  if (listener && *listener)
    (*listener)();
}

bool PendingResponse::ready() const {
  const std::lock_guard lock(mutex_);
  return answer_.has_value() || taken_;
}

std::optional<std::variant<HttpResponse, HttpError>> PendingResponse::take() {
  const std::lock_guard lock(mutex_);
  if (!answer_ || taken_)
    return std::nullopt;
  taken_ = true;
  auto answer = std::move(answer_);
  answer_.reset();
  return answer;
}

void PendingResponse::onReady(std::function<void()> listener) {
  auto shared = std::make_shared<std::function<void()>>(std::move(listener));
  bool readyNow = false;
  {
    const std::lock_guard lock(mutex_);
    listener_ = shared;
    readyNow = answer_.has_value();
  }
  if (readyNow && *shared)
    (*shared)();
}

void PendingResponse::cancel() {
  const std::lock_guard lock(mutex_);
  cancelled_ = true;
}

bool PendingResponse::cancelled() const {
  const std::lock_guard lock(mutex_);
  return cancelled_;
}

}  // namespace wasmesh::wasm::component::http
