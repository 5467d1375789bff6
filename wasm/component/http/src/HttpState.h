#pragma once

#include <memory>
#include <optional>

#include "wasmesh/wasm/component/http/HttpClient.h"
#include "wasmesh/wasm/component/http/HttpOptions.h"
#include "wasmesh/wasm/component/http/IncomingHandler.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::http {

// The objects behind the guest's handles to wasi:http resources.

struct FieldsObject final : wasi::ExtensionObject {
  HttpFields fields;
  bool immutable = false;  // a request's or response's own headers, or received trailers
};

struct IncomingRequestObject final : wasi::ExtensionObject {
  HttpRequest request;
  bool consumed = false;
};

struct IncomingResponseObject final : wasi::ExtensionObject {
  HttpResponse response;
  bool consumed = false;
};

// A body the guest reads (a request's or a response's); its stream may be taken once.
struct IncomingBodyObject final : wasi::ExtensionObject {
  explicit IncomingBodyObject(std::shared_ptr<BodyPipe> body) : pipe(std::move(body)) {}
  ~IncomingBodyObject() override;
  std::shared_ptr<BodyPipe> pipe;
  bool streamTaken = false;
  bool finished = false;
};

struct FutureTrailersObject final : wasi::ExtensionObject {
  std::shared_ptr<BodyPipe> pipe;
  bool taken = false;
};

// A body the guest writes. Dropping it without finish fails the body (the other side sees an
// incomplete message), as wasi:http requires.
struct OutgoingBodyObject final : wasi::ExtensionObject {
  OutgoingBodyObject(std::shared_ptr<BodyPipe> body, std::optional<std::uint64_t> length,
                     bool request)
      : pipe(std::move(body)), contentLength(length), isRequest(request) {}
  ~OutgoingBodyObject() override;
  std::shared_ptr<BodyPipe> pipe;
  std::optional<std::uint64_t> contentLength;  // the Content-Length the guest declared
  bool isRequest = false;
  std::weak_ptr<wasi::StreamSink> stream;  // the output-stream child, while it lives
  bool streamTaken = false;
  bool finished = false;
};

struct OutgoingResponseObject final : wasi::ExtensionObject {
  std::uint16_t status = 200;
  HttpFields headers;
  std::shared_ptr<BodyPipe> body;  // set once body() was called
};

struct OutgoingRequestObject final : wasi::ExtensionObject {
  HttpRequest request;  // its body: set once body() was called
  bool bodyTaken = false;
};

struct RequestOptionsObject final : wasi::ExtensionObject {
  OutgoingOptions options;
};

struct ResponseOutparamObject final : wasi::ExtensionObject {
  std::shared_ptr<ResponseOutparam> outparam;
  std::shared_ptr<bool> responded;
};

struct FutureIncomingResponseObject final : wasi::ExtensionObject {
  ~FutureIncomingResponseObject() override;
  std::shared_ptr<PendingResponse> pending;
  bool taken = false;
};

// The host state of an instance that may use wasi:http: WASI's, and its HttpOptions.
class HttpState final : public wasi::WasiState {
 public:
  static WasmResult<std::unique_ptr<HttpState>> create(wasi::WasiOptions wasi, HttpOptions http);

  const HttpOptions& http() const { return http_; }

  // Adds an object; its rep, or the trap for a guest holding too many.
  template <typename T>
  WasmResult<std::uint32_t> addObject(std::unique_ptr<T> object) {
    return add(std::unique_ptr<wasi::ExtensionObject>(std::move(object)));
  }

 private:
  HttpState(wasi::WasiOptions wasi, HttpOptions http)
      : WasiState(std::move(wasi)), http_(std::move(http)) {}

  HttpOptions http_;
};

// The HttpState of an instance; a trap when the instance was made with another host state
// (a component that imports wasi:http run by `wasm run`, say).
WasmResult<HttpState*> httpState(HostState& state);

}  // namespace wasmesh::wasm::component::http
