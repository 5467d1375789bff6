#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>

#include "wasmesh/wasm/component/http/HttpTypes.h"

namespace wasmesh::wasm::component::http {

// wasi:http request-options: how long an outgoing request may take to connect, to its first
// response byte, and between response bytes. Unset: the client's defaults.
struct OutgoingOptions {
  std::optional<std::chrono::nanoseconds> connectTimeout;
  std::optional<std::chrono::nanoseconds> firstByteTimeout;
  std::optional<std::chrono::nanoseconds> betweenBytesTimeout;
};

// The answer to an outgoing request: filled in once by the embedder's client on its own
// thread, taken once by the guest (future-incoming-response). Thread-safe.
class PendingResponse {
 public:
  void resolve(HttpResponse response);
  void fail(HttpError error);
  bool ready() const;
  // The response or the error, once ready; nothing before, and nothing after it was taken.
  std::optional<std::variant<HttpResponse, HttpError>> take();

  // Called (on the client's thread) when the answer arrives.
  void onReady(std::function<void()> listener);
  // The guest dropped the future: the client may abandon the exchange.
  void cancel();
  bool cancelled() const;

 private:
  mutable std::mutex mutex_;
  std::optional<std::variant<HttpResponse, HttpError>> answer_;
  bool taken_ = false;
  bool cancelled_ = false;
  std::shared_ptr<std::function<void()>> listener_;
};

// The embedder's HTTP client behind wasi:http/outgoing-handler. send() is called on the
// guest's thread and must not block: it starts the exchange on the embedder's event loop and
// returns at once. The request's body may still be written by the guest (a pipe the client
// reads), and the response body is a pipe the client writes.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual std::shared_ptr<PendingResponse> send(HttpRequest request, OutgoingOptions options) = 0;
};

}  // namespace wasmesh::wasm::component::http
