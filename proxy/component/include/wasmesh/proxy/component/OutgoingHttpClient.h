#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/wasm/component/http/HttpClient.h"

namespace wasmesh::proxy::component {

// The HTTP client behind a component's wasi:http/outgoing-handler: plain HTTP/1.1 through the
// proxy's own client codec (Http1ClientConnection), one connection per request, on the event
// loops given (in turn). Which authorities a component may reach is decided before a request
// gets here (HttpOptions::allowedAuthorities); this client resolves and connects what it is
// given. TLS (https) is refused with an internal-error saying so.
class OutgoingHttpClient final : public wasm::component::http::HttpClient {
 public:
  struct Defaults {
    std::chrono::milliseconds connectTimeout{10'000};
    std::chrono::milliseconds firstByteTimeout{60'000};
    std::chrono::milliseconds betweenBytesTimeout{60'000};
  };

  OutgoingHttpClient(std::vector<boost::asio::any_io_executor> executors,
                     http::HttpSettings settings, Defaults defaults);

  std::shared_ptr<wasm::component::http::PendingResponse> send(
      wasm::component::http::HttpRequest request,
      wasm::component::http::OutgoingOptions options) override;

 private:
  std::vector<boost::asio::any_io_executor> executors_;
  http::HttpSettings settings_;
  Defaults defaults_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace wasmesh::proxy::component
