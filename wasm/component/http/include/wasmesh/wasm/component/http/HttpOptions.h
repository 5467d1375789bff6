#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "wasmesh/wasm/component/http/BodyPipe.h"
#include "wasmesh/wasm/component/http/HttpClient.h"

namespace wasmesh::wasm::component::http {

// What one component instance may do through wasi:http besides answering its request.
// Capability-based: without a client and an authority granted here, every outgoing request
// answers HTTP-request-denied.
struct HttpOptions {
  std::shared_ptr<HttpClient> client;
  // "host:port" pairs the guest may call (lower-case host; a request without a port means 80
  // for http and 443 for https). "*" grants every authority.
  std::vector<std::string> allowedAuthorities;
  // Body bytes buffered between the guest and the network, per body and direction.
  std::size_t bodyBufferBytes = BodyPipe::kDefaultCapacity;
  // The most field bytes (names and values) one fields resource may hold; more is refused
  // with header-error.invalid-syntax rather than grow the host.
  std::size_t maxFieldBytes = std::size_t{256} * 1024;
};

}  // namespace wasmesh::wasm::component::http
