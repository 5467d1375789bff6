#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wasmesh::proxy::component {

// How a component's run for one request ended: the `result` label of
// wasmesh_wasm_component_requests_total, and what the client is told.
enum class GuestResult : std::uint8_t {
  ok,                   // handle returned after setting a response
  errorCode,            // the component set an error code instead of a response (500)
  noResponse,           // handle returned without setting a response (500)
  incompleteBody,       // handle returned without finishing the response's body (reset)
  trap,                 // a trap, a canonical ABI violation, too many handles (500)
  exit,                 // the component called wasi:cli/exit (500)
  timeout,              // the request's --timeout, in guest code or waiting in the host (503)
  memoryLimit,          // --max-memory (503)
  instantiationFailed,  // a fresh instance could not be made (500)
  overloaded,           // every guest thread busy and the queue full (503)
  cancelled,            // the client went away or the server stopped first
};

std::string_view guestResultName(GuestResult result) noexcept;
// The status a client gets when the component could not answer: 500 or 503.
unsigned statusFor(GuestResult result) noexcept;

struct GuestOutcome {
  GuestResult result = GuestResult::ok;
  std::string message;  // the error, in one line
};

}  // namespace wasmesh::proxy::component
