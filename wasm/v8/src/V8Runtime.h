#pragma once

#include <v8-array-buffer.h>
#include <v8-context.h>
#include <v8-isolate.h>
#include <v8-persistent-handle.h>

#include <memory>
#include <optional>

#include "Watchdog.h"
#include "wasmesh/wasm/HostFunction.h"
#include "wasmesh/wasm/Limits.h"

namespace wasmesh::wasm::v8 {

// The isolate and context an engine's modules and instances share. Held by shared_ptr so
// that the isolate is disposed only after the last handle into it is gone.
class V8Runtime {
 public:
  V8Runtime();
  ~V8Runtime();
  V8Runtime(const V8Runtime&) = delete;
  V8Runtime& operator=(const V8Runtime&) = delete;

  ::v8::Isolate* isolate() const { return isolate_; }
  // Needs an active HandleScope.
  ::v8::Local<::v8::Context> context() const { return context_.Get(isolate_); }
  // Started on first use: engines without CPU limits need no thread.
  Watchdog& watchdog();
  // V8 frees a discarded instance's linear memory only when its garbage collector runs, and
  // a wasm host allocates almost nothing on the JS heap that would make it run: a proxy that
  // recreates trapped instances kept every old memory (1.6 GiB after 100 instances of 16
  // MiB). So once discarded memories add up to kCollectAfterDiscardedBytes, this tells V8 the
  // memory pressure is critical, which collects at once. Amortized over the instances it
  // frees this is noise: instantiation churn with 64 KiB memories measured 25-30 us per
  // instance with it and without it (bench/wasm).
  // Call with the isolate entered.
  void discarded(std::uint64_t memoryBytes);
  static constexpr std::uint64_t kCollectAfterDiscardedBytes = std::uint64_t{64} * 1024 * 1024;
  // Sets the isolate's stack limit `limits.maxStackBytes` below the caller's frame; call right
  // before entering the guest. Skipped when the limit would move by less than a page: V8
  // takes a lock to set it, a tenth of a short call's cost (bench/wasm).
  void limitStack(const Limits& limits);

  // How a host function ended the guest (a trap or an exit), recorded with the exception it
  // threw to unwind. The call that catches that very exception takes it: the instance whose
  // call fails need not be the one that imported the host function (a component's core
  // instances call each other's imports through shared tables), and a guest that caught the
  // exception itself leaves nothing behind that a later, unrelated failure could pick up.
  void hostFailed(::v8::Local<::v8::Value> exception, HostOutcome outcome);
  std::optional<HostOutcome> takeHostOutcome(::v8::Local<::v8::Value> exception);

 private:
  std::unique_ptr<::v8::ArrayBuffer::Allocator> allocator_;
  ::v8::Isolate* isolate_ = nullptr;
  ::v8::Global<::v8::Context> context_;
  std::unique_ptr<Watchdog> watchdog_;
  std::uint64_t discardedBytes_ = 0;
  std::uintptr_t stackLimit_ = 0;
  ::v8::Global<::v8::Value> failedException_;
  std::optional<HostOutcome> failedOutcome_;
};

// `new WebAssembly.Instance(module, imports)`: V8's embedder API has no other way to
// instantiate. An empty result leaves the exception in the caller's TryCatch.
::v8::MaybeLocal<::v8::Object> newWasmInstance(::v8::Isolate* isolate,
                                               ::v8::Local<::v8::Context> context,
                                               ::v8::Local<::v8::Value> module,
                                               ::v8::Local<::v8::Object> imports);

// Enters the runtime's isolate, a handle scope and its context for one entry from the host.
class V8Scope {
 public:
  explicit V8Scope(const V8Runtime& runtime)
      : isolateScope_(runtime.isolate()),
        handles_(runtime.isolate()),
        context_(runtime.context()),
        contextScope_(context_) {}

  ::v8::Local<::v8::Context> context() const { return context_; }

 private:
  ::v8::Isolate::Scope isolateScope_;
  ::v8::HandleScope handles_;
  ::v8::Local<::v8::Context> context_;
  ::v8::Context::Scope contextScope_;
};

}  // namespace wasmesh::wasm::v8
