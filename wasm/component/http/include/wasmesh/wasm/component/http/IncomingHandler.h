#pragma once

#include <memory>

#include "wasmesh/wasm/component/ComponentInstance.h"
#include "wasmesh/wasm/component/LinkedComponent.h"
#include "wasmesh/wasm/component/http/HttpTypes.h"

namespace wasmesh::wasm::component::http {

// The embedder's end of response-outparam: where a component's response goes. Called on the
// guest's thread, at most once: respond() when the component sets a response (its head; the
// body follows through the pipe), fail() when it sets an error code.
class ResponseOutparam {
 public:
  virtual ~ResponseOutparam() = default;
  virtual void respond(HttpResponse response) = 0;
  virtual void fail(HttpError error) = 0;
};

// Serves one request with a component's wasi:http/incoming-handler export, as `wasmtime
// serve` does: the instance gets the request and a response-outparam and runs until handle
// returns (a JavaScript component runs its whole event loop in there).
class IncomingHandler {
 public:
  // The component's handle export (any 0.2.x version), or null.
  static const ExportedFunction* findExport(const LinkedComponent& linked);

  struct Outcome {
    // Whether the component set the response (or an error code) before returning. A handler
    // that returns without doing so owes its client an answer: the embedder's 500.
    bool responded = false;
  };
  // Runs handle on `instance`, whose state must come from HttpHost::state. A trap, a limit or
  // a cancelled wait fails the call (and the instance, which the caller discards; the bodies
  // it left unfinished fail with it).
  static WasmResult<Outcome> handle(ComponentInstance& instance, const ExportedFunction& handle,
                                    HttpRequest request,
                                    std::shared_ptr<ResponseOutparam> outparam);
};

}  // namespace wasmesh::wasm::component::http
