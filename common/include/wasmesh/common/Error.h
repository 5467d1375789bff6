#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <type_traits>

namespace wasmesh {

// The one error enum of the project. Data-path code returns these through
// boost::system::result or error_code; they are never thrown.
enum class errc {
  // A configuration value is not a duration: an integer with a unit ms|s|m|h|d.
  invalid_duration = 1,
  // A configuration value is not a TCP port number in 1..65535.
  invalid_port,
  // A port range is empty, reversed or names a port by name.
  invalid_port_range,
  // A port is given by name (Kubernetes port names are resolved by the injector).
  named_port,
  // A configuration value is not an IPv4/IPv6 address with a port.
  invalid_socket_address,
  // A configuration value is not a CIDR (address/prefix).
  invalid_cidr,
  // A configuration value is not a size such as 64KiB or 16MiB.
  invalid_size,
  // The kernel has no original destination for a connection (not redirected by iptables).
  no_original_destination,
  // An upstream connection was not established within the connect timeout.
  connect_timeout,
  // A peer sent nothing for longer than the idle timeout.
  idle_timeout,
  // A redirected connection's original destination is the proxy itself (a loop).
  proxy_loop,
  // A text is not a SPIFFE ID (spiffe://trust-domain/path per the SPIFFE ID specification).
  invalid_spiffe_id,
  // A SPIFFE ID has no DNS-form server name: not a workload or component identity.
  no_server_name,
  // Bytes are not a valid PEM/DER certificate, private key or certificate request.
  malformed_pem,
  // A certificate breaks the X.509-SVID rules (URI SAN, key usage, CA flags).
  invalid_svid,
  // A certificate chain does not lead to any trust anchor.
  untrusted_certificate,
  // A certificate in the chain is past its notAfter.
  certificate_expired,
  // A certificate in the chain has a notBefore in the future.
  certificate_not_yet_valid,
  // A peer proved an identity other than the one expected.
  identity_mismatch,
  // A certificate signing request is malformed, badly signed or asks for another identity.
  invalid_csr,
  // A private key does not belong to the certificate it is paired with.
  key_mismatch,
  // A token is missing, unknown or not a service account's.
  unauthenticated,
  // An authenticated caller asked for an identity that is not its own.
  identity_not_permitted,
  // A token could not be checked (the Kubernetes API is unreachable or answered oddly).
  token_review_unavailable,
  // A request to the identity service is malformed.
  invalid_certificate_request,
  // A mesh transport header is malformed.
  invalid_transport_header,
  // A mesh transport header declares more bytes than the limit.
  transport_header_too_large,
  // A mesh client completed the TLS handshake but sent no transport header in time.
  transport_header_timeout,
  // A TLS handshake failed for a reason other than the peer's certificate (no shared
  // version or ALPN, a missing client certificate, bytes that are not TLS).
  tls_handshake_failed,
  // A TLS handshake did not finish within its deadline.
  tls_handshake_timeout,
  // A connection to the mesh port did not start with a TLS ClientHello.
  tls_required,
  // A ClientHello's SNI names none of the proxy's local identities.
  unknown_server_name,
  // A mesh connection asks for a port the proxy itself listens on.
  forbidden_target_port,
  // The proxy has no valid certificate for its identity yet (or any more).
  identity_not_ready,
  // Bytes are not a WebAssembly binary module (bad magic, truncated or undecodable section).
  wasm_malformed_module,
  // A WebAssembly module decodes but fails validation.
  wasm_invalid_module,
  // A module's import is unknown to the host or has another signature than the host's.
  wasm_link_error,
  // Instantiation failed after linking (a start function trapped, a segment out of bounds).
  wasm_instantiation_failed,
  // Guest code trapped (unreachable, out-of-bounds access, division by zero, stack...).
  wasm_trap,
  // A guest call ran longer than its CPU time limit and was terminated.
  wasm_cpu_limit,
  // A module asks for more linear memory than the memory limit.
  wasm_memory_limit,
  // The guest ended itself through WASI proc_exit (the exit code travels with the error).
  wasm_exit,
  // A module has no export of that name and kind, or it was called with the wrong values.
  wasm_bad_call,
  // The WebAssembly engine could not be started or failed internally.
  wasm_engine_failure,
  // A configuration value is neither an address nor a DNS name, with a port 1..65535.
  invalid_host_port,
  // A path the proxy reads (configuration, certificate, key, token) is not a regular file:
  // a FIFO, socket or device, which could stall the reader or never end.
  not_regular_file,
  // A file the proxy reads is larger than the limit for its kind.
  file_too_large,
  // A configuration value is not one of Linkerd's default inbound policies.
  invalid_default_policy,
  // An HTTP message is malformed or ambiguous (framing two parsers could read differently).
  http_malformed_message,
  // An HTTP header section or field count is over the limit.
  http_headers_too_large,
  // An HTTP body is over the limit, or longer than its declared length.
  http_body_too_large,
  // An HTTP peer reset the stream (HTTP/2 RST_STREAM) or abandoned the exchange.
  http_stream_reset,
  // An HTTP connection closed before the exchange completed.
  http_connection_closed,
  // An HTTP/2 peer broke the protocol (a connection error) or flooded it.
  http_protocol_error,
  // An HTTP/2 peer refused the stream before processing it (REFUSED_STREAM or a GOAWAY
  // that excludes it): safe to retry elsewhere.
  http_stream_refused,
  // No request may start on this upstream connection now.
  http_upstream_unavailable,
  // The upstream did not answer within the response timeout.
  http_response_timeout,
  // A client did not send its request headers within the request header timeout.
  http_header_timeout,
  // A protocol switch (101) was asked of a stream that cannot be taken over.
  http_not_upgradable,
  // A WebAssembly component uses a feature of the component model wasmesh does not run yet.
  wasm_unsupported_feature,
};

const boost::system::error_category& wasmeshCategory() noexcept;

inline boost::system::error_code make_error_code(errc e) noexcept {  // NOLINT: ADL hook
  return {static_cast<int>(e), wasmeshCategory()};
}

template <typename T>
using Result = boost::system::result<T>;

}  // namespace wasmesh

namespace boost::system {
template <>
struct is_error_code_enum<wasmesh::errc> : std::true_type {};
}  // namespace boost::system
