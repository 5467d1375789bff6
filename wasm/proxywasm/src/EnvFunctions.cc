// The env module of proxy-wasm 0.2.x. Every guest pointer is untrusted: each access goes
// through GuestMemory, and a bad one answers INVALID_MEMORY_ACCESS; sizes are bounded before
// anything is allocated from them. A host function never traps the guest, except when the
// guest's own allocator failed while the host copied data in.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <utility>

#include "VmState.h"

namespace wasmesh::wasm::proxywasm {
namespace {

using State = std::shared_ptr<ProxyWasmVm::State>;
constexpr ValueType I32 = ValueType::i32;
constexpr ValueType I64 = ValueType::i64;

constexpr std::size_t kMaxLogBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxMetricNameBytes = 1024;
constexpr std::size_t kMaxMetrics = 1024;

// Host calls a guest may make while its allocator runs for the host (ABI: logging, clock).
const std::set<std::string, std::less<>>& allowedDuringAllocation() {
  static const std::set<std::string, std::less<>> names{"proxy_log", "proxy_get_log_level",
                                                        "proxy_get_current_time_nanoseconds"};
  return names;
}

HostOutcome answer(std::span<Value> results, Status status) {
  results[0] = Value::i32(static_cast<std::int32_t>(status));
  return HostOutcome::ok();
}

std::uint32_t u32(std::span<const Value> args, std::size_t i) {
  return args[i].asU32();
}

// A guest string that must fit in `maxBytes`: nullopt when out of bounds or too long.
std::optional<std::string> readBounded(const GuestMemory& memory, std::uint32_t ptr,
                                       std::uint32_t size, std::size_t maxBytes) {
  if (size > maxBytes)
    return std::nullopt;
  return memory.readString(ptr, size);
}

HostOutcome copyOutAnswer(std::span<Value> results, const ProxyWasmVm::State::CopyOut& copy) {
  if (copy.trap)
    return *copy.trap;
  results[0] = Value::i32(copy.status);
  return HostOutcome::ok();
}

HostOutcome proxyLog(const State& state, GuestMemory& memory, std::span<const Value> args,
                     std::span<Value> results) {
  const auto level = args[0].asI32();
  if (level < 0 || level > static_cast<std::int32_t>(LogLevel::critical))
    return answer(results, Status::bad_argument);
  const std::uint32_t size = u32(args, 2);
  if (!memory.contains(u32(args, 1), size))
    return answer(results, Status::invalid_memory_access);
  // The whole range is valid; only a bounded prefix is copied out of the guest.
  auto text = memory.readString(u32(args, 1), std::min<std::size_t>(size, kMaxLogBytes));
  if (!text)
    return answer(results, Status::invalid_memory_access);
  if (size > kMaxLogBytes)
    *text += "...(truncated)";
  state->log(static_cast<LogLevel>(level), *text);
  return answer(results, Status::ok);
}

// The configuration buffer `type` names if the current callback may read it.
const std::string* configurationBuffer(const State& state, std::int32_t type) {
  const auto& inScope = state->configurationInScope;
  if (!inScope || static_cast<std::int32_t>(*inScope) != type)
    return nullptr;
  return &state->configuration(*inScope);
}

HostOutcome getBufferBytes(const State& state, GuestMemory& memory, std::span<const Value> args,
                           std::span<Value> results) {
  const auto type = args[0].asI32();
  if (type < 0 || type > kMaxBufferType)
    return answer(results, Status::bad_argument);
  const std::string* buffer = configurationBuffer(state, type);
  if (buffer == nullptr)
    return answer(results, Status::not_found);  // out of scope, or no HTTP/network buffers yet
  const std::uint64_t start = u32(args, 1);
  const std::uint64_t max = u32(args, 2);
  if (start > buffer->size())
    return answer(results, Status::bad_argument);
  const auto length = std::min<std::uint64_t>(max, buffer->size() - start);
  return copyOutAnswer(
      results, state->copyOut(memory, std::string_view(*buffer).substr(start, length), u32(args, 3),
                              u32(args, 4)));
}

HostOutcome getBufferStatus(const State& state, GuestMemory& memory, std::span<const Value> args,
                            std::span<Value> results) {
  const auto type = args[0].asI32();
  if (type < 0 || type > kMaxBufferType)
    return answer(results, Status::bad_argument);
  const std::string* buffer = configurationBuffer(state, type);
  if (buffer == nullptr)
    return answer(results, Status::not_found);
  const std::uint64_t size = buffer->size();
  if (!memory.writeU32(u32(args, 1), static_cast<std::uint32_t>(size)) ||
      !memory.writeU32(u32(args, 2), 0))
    return answer(results, Status::invalid_memory_access);
  return answer(results, Status::ok);
}

PluginMetric* findMetric(const State& state, std::uint32_t id) {
  // Ids are index + 1 so that 0 is never a valid id.
  if (id == 0 || id > state->metrics.size())
    return nullptr;
  return &state->metrics[id - 1];
}

HostOutcome defineMetric(const State& state, GuestMemory& memory, std::span<const Value> args,
                         std::span<Value> results) {
  const auto type = args[0].asI32();
  if (type < 0 || type > static_cast<std::int32_t>(MetricType::histogram))
    return answer(results, Status::bad_argument);
  if (!memory.contains(u32(args, 1), u32(args, 2)) || !memory.contains(u32(args, 3), 4))
    return answer(results, Status::invalid_memory_access);
  auto name = readBounded(memory, u32(args, 1), u32(args, 2), kMaxMetricNameBytes);
  if (!name || name->empty())
    return answer(results, Status::bad_argument);
  std::uint32_t id = 0;
  for (std::size_t i = 0; i < state->metrics.size() && id == 0; ++i) {
    if (state->metrics[i].name == *name)
      id = state->metrics[i].type == static_cast<MetricType>(type)
               ? static_cast<std::uint32_t>(i + 1)
               : UINT32_MAX;
  }
  if (id == UINT32_MAX)
    return answer(results, Status::bad_argument);  // the name exists with another type
  if (id == 0) {
    if (state->metrics.size() >= kMaxMetrics)
      return answer(results, Status::bad_argument);
    state->metrics.push_back({state->config.name, *name, static_cast<MetricType>(type), 0, 0});
    id = static_cast<std::uint32_t>(state->metrics.size());
  }
  memory.writeU32(u32(args, 3), id);
  return answer(results, Status::ok);
}

// Saturating, so a guest cannot make the host overflow a signed value.
std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum))
    return b > 0 ? INT64_MAX : INT64_MIN;
  return sum;
}

HostOutcome incrementMetric(const State& state, std::span<const Value> args,
                            std::span<Value> results) {
  PluginMetric* metric = findMetric(state, u32(args, 0));
  if (metric == nullptr)
    return answer(results, Status::not_found);
  const std::int64_t delta = args[1].asI64();
  if (metric->type == MetricType::histogram || (metric->type == MetricType::counter && delta < 0))
    return answer(results, Status::bad_argument);
  metric->value = saturatingAdd(metric->value, delta);
  return answer(results, Status::ok);
}

HostOutcome recordMetric(const State& state, std::span<const Value> args,
                         std::span<Value> results) {
  PluginMetric* metric = findMetric(state, u32(args, 0));
  if (metric == nullptr)
    return answer(results, Status::not_found);
  const std::int64_t value = args[1].asI64();
  switch (metric->type) {
    case MetricType::counter:
      // A counter only goes up: recording a smaller value is refused.
      if (value < metric->value)
        return answer(results, Status::bad_argument);
      metric->value = value;
      break;
    case MetricType::gauge:
      metric->value = value;
      break;
    case MetricType::histogram:
      metric->value = saturatingAdd(metric->value, value);
      ++metric->samples;
      break;
  }
  return answer(results, Status::ok);
}

HostOutcome getMetric(const State& state, GuestMemory& memory, std::span<const Value> args,
                      std::span<Value> results) {
  PluginMetric* metric = findMetric(state, u32(args, 0));
  if (metric == nullptr)
    return answer(results, Status::not_found);
  if (metric->type == MetricType::histogram)
    return answer(results, Status::bad_argument);
  if (!memory.writeU64(u32(args, 1), static_cast<std::uint64_t>(metric->value)))
    return answer(results, Status::invalid_memory_access);
  return answer(results, Status::ok);
}

HostOutcome setSharedData(const State& state, GuestMemory& memory, std::span<const Value> args,
                          std::span<Value> results) {
  if (!memory.contains(u32(args, 0), u32(args, 1)) || !memory.contains(u32(args, 2), u32(args, 3)))
    return answer(results, Status::invalid_memory_access);
  auto key = readBounded(memory, u32(args, 0), u32(args, 1), SharedDataStore::kMaxKeyBytes);
  auto value = readBounded(memory, u32(args, 2), u32(args, 3), SharedDataStore::kMaxValueBytes);
  if (!key || !value)
    return answer(results, Status::bad_argument);
  return answer(results, state->config.sharedData->set(*key, *value, u32(args, 4)));
}

HostOutcome getSharedData(const State& state, GuestMemory& memory, std::span<const Value> args,
                          std::span<Value> results) {
  if (!memory.contains(u32(args, 0), u32(args, 1)) || !memory.contains(u32(args, 4), 4))
    return answer(results, Status::invalid_memory_access);
  auto key = readBounded(memory, u32(args, 0), u32(args, 1), SharedDataStore::kMaxKeyBytes);
  if (!key)
    return answer(results, Status::bad_argument);
  auto entry = state->config.sharedData->get(*key);
  if (!entry)
    return answer(results, Status::not_found);
  // The CAS goes first: the copy may run the guest's allocator, after which `memory` is stale.
  memory.writeU32(u32(args, 4), entry->cas);
  return copyOutAnswer(results, state->copyOut(memory, entry->value, u32(args, 2), u32(args, 3)));
}

HostOutcome currentTime(GuestMemory& memory, std::span<const Value> args,
                        std::span<Value> results) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
  if (!memory.writeU64(u32(args, 0), static_cast<std::uint64_t>(nanoseconds)))
    return answer(results, Status::invalid_memory_access);
  return answer(results, Status::ok);
}

FunctionType i32s(std::size_t params) {
  return {std::vector<ValueType>(params, I32), {I32}};
}

// The guard: while the guest's allocator runs for a host copy, only the allowed calls get
// through; the rest answer INTERNAL_FAILURE without doing anything.
HostCallback guarded(const State& state, const std::string& name, HostCallback callback) {
  if (allowedDuringAllocation().contains(name))
    return callback;
  return [state, callback = std::move(callback)](GuestMemory& memory, std::span<const Value> args,
                                                 std::span<Value> results) {
    if (state->inAllocation)
      return answer(results, Status::internal_failure);
    return callback(memory, args, results);
  };
}

}  // namespace

void addEnvFunctions(Imports& imports, const State& state) {
  auto add = [&](const std::string& name, FunctionType type, HostCallback callback) {
    imports.add({"env", name, std::move(type), guarded(state, name, std::move(callback))});
  };
  auto unimplemented = [&](const std::string& name, FunctionType type) {
    add(name, std::move(type), [](GuestMemory&, std::span<const Value>, std::span<Value> results) {
      return answer(results, Status::unimplemented);
    });
  };
  add("proxy_log", i32s(3), [state](auto& memory, auto args, auto results) {
    return proxyLog(state, memory, args, results);
  });
  add("proxy_get_log_level", i32s(1), [state](auto& memory, auto args, auto results) {
    if (!memory.writeU32(u32(args, 0), static_cast<std::uint32_t>(state->logLevel())))
      return answer(results, Status::invalid_memory_access);
    return answer(results, Status::ok);
  });
  add("proxy_get_current_time_nanoseconds", i32s(1), currentTime);
  add("proxy_set_tick_period_milliseconds", i32s(1), [state](auto&, auto args, auto results) {
    state->tickPeriodMs = u32(args, 0);
    return answer(results, Status::ok);
  });
  add("proxy_done", i32s(0), [state](auto&, auto, auto results) {
    state->doneRequested = true;
    return answer(results, Status::ok);
  });
  add("proxy_set_effective_context", i32s(1), [state](auto&, auto args, auto results) {
    // Only the root context exists until HTTP and network contexts do.
    if (u32(args, 0) != state->rootContextId)
      return answer(results, Status::bad_argument);
    state->effectiveContextId = u32(args, 0);
    return answer(results, Status::ok);
  });
  add("proxy_get_buffer_bytes", i32s(5), [state](auto& memory, auto args, auto results) {
    return getBufferBytes(state, memory, args, results);
  });
  add("proxy_get_buffer_status", i32s(3), [state](auto& memory, auto args, auto results) {
    return getBufferStatus(state, memory, args, results);
  });
  add("proxy_define_metric", i32s(4), [state](auto& memory, auto args, auto results) {
    return defineMetric(state, memory, args, results);
  });
  add("proxy_increment_metric", {{I32, I64}, {I32}},
      [state](auto&, auto args, auto results) { return incrementMetric(state, args, results); });
  add("proxy_record_metric", {{I32, I64}, {I32}},
      [state](auto&, auto args, auto results) { return recordMetric(state, args, results); });
  add("proxy_get_metric", i32s(2), [state](auto& memory, auto args, auto results) {
    return getMetric(state, memory, args, results);
  });
  add("proxy_set_shared_data", i32s(5), [state](auto& memory, auto args, auto results) {
    return setSharedData(state, memory, args, results);
  });
  add("proxy_get_shared_data", i32s(5), [state](auto& memory, auto args, auto results) {
    return getSharedData(state, memory, args, results);
  });

  // Not supported yet (HTTP, streams, calls, queues, properties, foreign functions): present
  // with their exact signatures so that every plugin links, answering UNIMPLEMENTED.
  unimplemented("proxy_set_buffer_bytes", i32s(5));
  unimplemented("proxy_get_header_map_size", i32s(2));
  unimplemented("proxy_get_header_map_pairs", i32s(3));
  unimplemented("proxy_set_header_map_pairs", i32s(3));
  unimplemented("proxy_get_header_map_value", i32s(5));
  unimplemented("proxy_add_header_map_value", i32s(5));
  unimplemented("proxy_replace_header_map_value", i32s(5));
  unimplemented("proxy_remove_header_map_value", i32s(3));
  unimplemented("proxy_continue_stream", i32s(1));
  unimplemented("proxy_close_stream", i32s(1));
  unimplemented("proxy_get_status", i32s(3));
  unimplemented("proxy_send_local_response", i32s(8));
  unimplemented("proxy_http_call", i32s(10));
  unimplemented("proxy_grpc_call", i32s(12));
  unimplemented("proxy_grpc_stream", i32s(9));
  unimplemented("proxy_grpc_send", i32s(4));
  unimplemented("proxy_grpc_cancel", i32s(1));
  unimplemented("proxy_grpc_close", i32s(1));
  unimplemented("proxy_register_shared_queue", i32s(3));
  unimplemented("proxy_resolve_shared_queue", i32s(5));
  unimplemented("proxy_enqueue_shared_queue", i32s(3));
  unimplemented("proxy_dequeue_shared_queue", i32s(3));
  unimplemented("proxy_get_property", i32s(4));
  unimplemented("proxy_set_property", i32s(4));
  unimplemented("proxy_call_foreign_function", i32s(6));
}

}  // namespace wasmesh::wasm::proxywasm
