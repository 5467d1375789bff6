#include "HttpState.h"

namespace wasmesh::wasm::component::http {

IncomingBodyObject::~IncomingBodyObject() {
  // Dropped before its stream was taken: nobody will read the rest.
  if (!streamTaken && !finished)
    pipe->closeReader();
}

OutgoingBodyObject::~OutgoingBodyObject() {
  // wasi:http: a body dropped without finish is incomplete, and the other side must see it.
  if (!finished)
    pipe->fail(HttpError::internal("the component dropped the body without finishing it"));
}

FutureIncomingResponseObject::~FutureIncomingResponseObject() {
  if (taken)
    return;
  pending->cancel();
  // A response that arrived but was never taken: its body is not wanted either.
  if (auto answer = pending->take()) {
    if (auto* response = std::get_if<HttpResponse>(&*answer); response && response->body)
      response->body->closeReader();
  }
}

WasmResult<std::unique_ptr<HttpState>> HttpState::create(wasi::WasiOptions wasi, HttpOptions http) {
  std::unique_ptr<HttpState> state(new HttpState(std::move(wasi), std::move(http)));
  if (auto opened = state->openDirectories(); !opened)
    return opened.error();
  return state;
}

WasmResult<HttpState*> httpState(HostState& state) {
  auto* http = dynamic_cast<HttpState*>(&state);
  if (http == nullptr)
    return WasmError::makeTrap(TrapKind::host_error, {},
                               "wasi:http is not available to this instance (it does not serve "
                               "HTTP: use wasmesh wasm serve)");
  return http;
}

}  // namespace wasmesh::wasm::component::http
