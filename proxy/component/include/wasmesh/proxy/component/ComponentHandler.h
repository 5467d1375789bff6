#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "wasmesh/proxy/component/ComponentExchange.h"
#include "wasmesh/proxy/component/ComponentMetrics.h"
#include "wasmesh/proxy/component/ComponentPool.h"
#include "wasmesh/proxy/http/ServerStream.h"

namespace wasmesh::proxy::component {

// Serves requests of the proxy's HTTP layer (any codec's ServerStream: HTTP/1 or HTTP/2) with
// a wasi:http component: the request goes to a guest thread of the pool, its body streams
// into the component as the component reads it, and the response leaves as the component
// sets it: the head at response-outparam.set, the body as it is written, with backpressure
// both ways. When the component cannot answer (a trap, a limit, its timeout, no response)
// the client gets 500 or 503 with an `x-wasmesh-error` header saying why; after the head
// has left, the stream is reset instead. Every request is counted by how it ended.
//
// Used by `wasmesh wasm serve`, and meant for routing mesh requests to components inside the
// proxy: it needs only a ServerStream and the pool.
class ComponentHandler {
 public:
  struct Options {
    std::chrono::milliseconds timeout{30'000};
    std::size_t bodyBufferBytes = std::size_t{64} * 1024;
    // Told about every request that did not end well (for a log line).
    std::function<void(const http::RequestHead&, const GuestOutcome&)> onFailure;
  };

  ComponentHandler(ComponentPool& pool, const ComponentMetrics& metrics, Options options);

  // Serves one request on the caller's executor; `shard` is the caller's metrics shard.
  boost::asio::awaitable<GuestOutcome> serve(http::ServerStream& stream, std::size_t shard);

  static constexpr std::string_view kErrorHeader = "x-wasmesh-error";

 private:
  ComponentPool& pool_;
  const ComponentMetrics& metrics_;
  Options options_;
};

}  // namespace wasmesh::proxy::component
