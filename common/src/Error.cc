#include "wasmesh/common/Error.h"

#include <string>

namespace wasmesh {
namespace {

// Boost's error_category has a protected non-virtual destructor by design; the instance is a
// function-local static and is never deleted through a base pointer.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class WasmeshCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "wasmesh"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::invalid_duration:
        return "is not a duration (an integer with a unit: ms, s, m, h, d)";
      case errc::invalid_port:
        return "is not a port (1-65535)";
      case errc::named_port:
        return "is not a port number (named ports are resolved by the injector, not the proxy)";
      case errc::invalid_port_range:
        return "is not a port range (lo-hi with lo <= hi)";
      case errc::invalid_socket_address:
        return "is not an address with a port (1.2.3.4:80 or [::1]:80)";
      case errc::invalid_cidr:
        return "is not a CIDR (10.0.0.0/8 or fd00::/8)";
      case errc::invalid_size:
        return "is not a size (an integer with B, KiB, MiB or GiB)";
      case errc::no_original_destination:
        return "no original destination (connection was not redirected)";
      case errc::connect_timeout:
        return "connect timed out";
      case errc::idle_timeout:
        return "idle timeout";
      case errc::proxy_loop:
        return "original destination is the proxy itself";
      case errc::invalid_spiffe_id:
        return "is not a SPIFFE ID (spiffe://trust-domain/path)";
      case errc::no_server_name:
        return "has no server name (not spiffe://td/ns/<ns>/sa/<sa>[/wasm/<component>])";
      case errc::malformed_pem:
        return "is not a valid PEM certificate, key or certificate request";
      case errc::invalid_svid:
        return "is not a valid X.509-SVID";
      case errc::untrusted_certificate:
        return "certificate chain does not lead to a trust anchor";
      case errc::certificate_expired:
        return "certificate has expired";
      case errc::certificate_not_yet_valid:
        return "certificate is not yet valid";
      case errc::identity_mismatch:
        return "peer identity is not the expected one";
      case errc::invalid_csr:
        return "is not an acceptable certificate signing request";
      case errc::key_mismatch:
        return "private key does not match the certificate";
      case errc::unauthenticated:
        return "token not accepted";
      case errc::identity_not_permitted:
        return "identity not permitted for this token";
      case errc::token_review_unavailable:
        return "token could not be reviewed";
      case errc::invalid_certificate_request:
        return "malformed certificate request";
      case errc::invalid_transport_header:
        return "invalid mesh transport header";
      case errc::transport_header_too_large:
        return "mesh transport header too large";
      case errc::transport_header_timeout:
        return "no mesh transport header in time";
      case errc::tls_handshake_failed:
        return "TLS handshake failed";
      case errc::tls_handshake_timeout:
        return "TLS handshake timed out";
      case errc::tls_required:
        return "not a TLS ClientHello on a port that requires mesh TLS";
      case errc::unknown_server_name:
        return "SNI names no local identity";
      case errc::forbidden_target_port:
        return "target port belongs to the proxy itself";
      case errc::identity_not_ready:
        return "no valid certificate for the proxy's identity";
      case errc::wasm_malformed_module:
        return "is not a WebAssembly binary module";
      case errc::wasm_invalid_module:
        return "WebAssembly module is invalid";
      case errc::wasm_link_error:
        return "WebAssembly import cannot be linked";
      case errc::wasm_instantiation_failed:
        return "WebAssembly instantiation failed";
      case errc::wasm_trap:
        return "WebAssembly trap";
      case errc::wasm_cpu_limit:
        return "WebAssembly CPU time limit exceeded";
      case errc::wasm_memory_limit:
        return "WebAssembly memory limit exceeded";
      case errc::wasm_exit:
        return "WebAssembly guest exited";
      case errc::wasm_bad_call:
        return "no such WebAssembly export or wrong arguments";
      case errc::wasm_engine_failure:
        return "WebAssembly engine failure";
      case errc::invalid_host_port:
        return "is not an address or DNS name with a port (10.0.0.5:8080, [fd00::5]:8080 or "
               "identity.wasmesh.svc:8080)";
      case errc::not_regular_file:
        return "is not a regular file (a FIFO, socket or device)";
      case errc::file_too_large:
        return "is larger than the limit for this kind of file";
      case errc::http_malformed_message:
        return "malformed HTTP message";
      case errc::http_headers_too_large:
        return "HTTP header section too large";
      case errc::http_body_too_large:
        return "HTTP body too large";
      case errc::http_stream_reset:
        return "HTTP stream reset by the peer";
      case errc::http_connection_closed:
        return "HTTP connection closed before the exchange completed";
      case errc::http_protocol_error:
        return "HTTP/2 protocol error";
      case errc::http_stream_refused:
        return "HTTP stream refused by the peer before processing";
      case errc::http_upstream_unavailable:
        return "no request may start on this upstream connection";
      case errc::http_response_timeout:
        return "the upstream did not answer within the response timeout";
      case errc::http_header_timeout:
        return "the request headers did not arrive in time";
      case errc::http_not_upgradable:
        return "this HTTP stream cannot switch protocols";
      case errc::invalid_default_policy:
        return "is not a default policy (all-unauthenticated, all-authenticated, "
               "cluster-unauthenticated, cluster-authenticated, deny, audit)";
      case errc::wasm_unsupported_feature:
        return "WebAssembly component feature not supported";
    }
    return "unknown wasmesh error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& wasmeshCategory() noexcept {
  static const WasmeshCategory category;
  return category;
}

}  // namespace wasmesh
