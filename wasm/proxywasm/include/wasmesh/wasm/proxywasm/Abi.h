#pragma once

#include <cstdint>
#include <string_view>

namespace wasmesh::wasm::proxywasm {

// proxy-wasm ABI v0.2.1 values that cross the guest boundary (shared/reference/wasm-host.md).
enum class AbiVersion : std::uint8_t { v0_2_0, v0_2_1 };

std::string_view toString(AbiVersion version);

// What every env host function returns to the guest.
enum class Status : std::int32_t {
  ok = 0,
  not_found = 1,
  bad_argument = 2,
  serialization_failure = 3,
  parse_failure = 4,
  invalid_memory_access = 6,
  empty = 7,
  cas_mismatch = 8,
  internal_failure = 10,
  unimplemented = 12,
};

enum class LogLevel : std::int32_t {
  trace = 0,
  debug = 1,
  info = 2,
  warn = 3,
  error = 4,
  critical = 5
};

enum class BufferType : std::int32_t {
  http_request_body = 0,
  http_response_body = 1,
  downstream_data = 2,
  upstream_data = 3,
  http_call_response_body = 4,
  grpc_call_message = 5,
  vm_configuration = 6,
  plugin_configuration = 7,
  foreign_function_arguments = 8,
};
constexpr std::int32_t kMaxBufferType = 8;

enum class MetricType : std::int32_t { counter = 0, gauge = 1, histogram = 2 };

}  // namespace wasmesh::wasm::proxywasm
