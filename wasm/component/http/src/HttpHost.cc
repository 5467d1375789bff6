#include "wasmesh/wasm/component/http/HttpHost.h"

#include "HttpInterfaces.h"
#include "wasmesh/wasm/component/wasi/WasiHost.h"

namespace wasmesh::wasm::component::http {
namespace {

constexpr const char* kHttpVersion = "0.2.12";

// wasi:http/types' value types, as WitPrinter renders their definitions.
constexpr const char* kErrorCode =
    "variant { DNS-timeout, DNS-error(DNS-error-payload), destination-not-found, "
    "destination-unavailable, destination-IP-prohibited, destination-IP-unroutable, "
    "connection-refused, connection-terminated, connection-timeout, connection-read-timeout, "
    "connection-write-timeout, connection-limit-reached, TLS-protocol-error, "
    "TLS-certificate-error, TLS-alert-received(TLS-alert-received-payload), HTTP-request-denied, "
    "HTTP-request-length-required, HTTP-request-body-size(option<u64>), "
    "HTTP-request-method-invalid, HTTP-request-URI-invalid, HTTP-request-URI-too-long, "
    "HTTP-request-header-section-size(option<u32>), "
    "HTTP-request-header-size(option<field-size-payload>), "
    "HTTP-request-trailer-section-size(option<u32>), "
    "HTTP-request-trailer-size(field-size-payload), HTTP-response-incomplete, "
    "HTTP-response-header-section-size(option<u32>), "
    "HTTP-response-header-size(field-size-payload), HTTP-response-body-size(option<u64>), "
    "HTTP-response-trailer-section-size(option<u32>), "
    "HTTP-response-trailer-size(field-size-payload), "
    "HTTP-response-transfer-coding(option<string>), "
    "HTTP-response-content-coding(option<string>), HTTP-response-timeout, HTTP-upgrade-failed, "
    "HTTP-protocol-error, loop-detected, configuration-error, internal-error(option<string>) }";

HostInterface types() {
  HostInterface types("wasi:http", "types", kHttpVersion);
  types.use("input-stream", "wasi:io/streams", "input-stream")
      .use("output-stream", "wasi:io/streams", "output-stream")
      .use("pollable", "wasi:io/poll", "pollable")
      .use("error", "wasi:io/error", "error")
      .use("io-error", "wasi:io/error", "error")
      .type("duration", "u64")
      .type("field-key", "string")
      .type("field-name", "string")
      .type("field-value", "list<u8>")
      .type("status-code", "u16")
      .type("header-error", "variant { invalid-syntax, forbidden, immutable }")
      .type("method",
            "variant { get, head, post, put, delete, connect, options, trace, patch, "
            "other(string) }")
      .type("scheme", "variant { HTTP, HTTPS, other(string) }")
      .type("DNS-error-payload", "record { rcode: option<string>, info-code: option<u16> }")
      .type("TLS-alert-received-payload",
            "record { alert-id: option<u8>, alert-message: option<string> }")
      .type("field-size-payload", "record { field-name: option<string>, field-size: option<u32> }")
      .type("error-code", kErrorCode);
  for (const char* resource :
       {"fields", "incoming-request", "outgoing-request", "request-options", "response-outparam",
        "incoming-response", "incoming-body", "future-trailers", "outgoing-response",
        "outgoing-body", "future-incoming-response"})
    types.resource(resource, dropObject());
  types.use("headers", "wasi:http/types", "fields").use("trailers", "wasi:http/types", "fields");
  addFields(types);
  addMessages(types);
  addBodies(types);
  return types;
}

}  // namespace

void HttpHost::addTo(ComponentHost& host) {
  host.add(types());
  host.add(outgoingHandler());
  host.seal();
}

std::shared_ptr<const ComponentHost> HttpHost::host() {
  // Immutable once built; every thread may link against it.
  static const std::shared_ptr<const ComponentHost> kHost = [] {
    auto host = std::make_shared<ComponentHost>();
    wasi::WasiHost::addTo(*host);
    addTo(*host);
    return host;
  }();
  return kHost;
}

WasmResult<std::unique_ptr<HostState>> HttpHost::state(wasi::WasiOptions wasi, HttpOptions http) {
  auto state = HttpState::create(std::move(wasi), std::move(http));
  if (!state)
    return state.error();
  return std::unique_ptr<HostState>(std::move(*state));
}

}  // namespace wasmesh::wasm::component::http
