#include "V8Runtime.h"

#include <v8-function.h>
#include <v8-primitive.h>

#include <algorithm>
#include <array>

#include "V8Platform.h"

namespace wasmesh::wasm::v8 {
namespace {

std::unique_ptr<::v8::ArrayBuffer::Allocator> startV8AndMakeAllocator() {
  V8Platform::get();
  return std::unique_ptr<::v8::ArrayBuffer::Allocator>(
      ::v8::ArrayBuffer::Allocator::NewDefaultAllocator());
}

}  // namespace

V8Runtime::V8Runtime() : allocator_(startV8AndMakeAllocator()) {
  ::v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator_.get();
  isolate_ = ::v8::Isolate::New(params);
  const ::v8::Isolate::Scope isolateScope(isolate_);
  const ::v8::HandleScope handles(isolate_);
  context_.Reset(isolate_, ::v8::Context::New(isolate_));
}

V8Runtime::~V8Runtime() {
  watchdog_.reset();
  context_.Reset();
  isolate_->Dispose();
}

Watchdog& V8Runtime::watchdog() {
  if (!watchdog_) {
    // TerminateExecution is the one isolate call V8 allows from another thread.
    watchdog_ = std::make_unique<Watchdog>([isolate = isolate_] { isolate->TerminateExecution(); });
  }
  return *watchdog_;
}

void V8Runtime::discarded(std::uint64_t memoryBytes) {
  discardedBytes_ += memoryBytes;
  if (discardedBytes_ < kCollectAfterDiscardedBytes)
    return;
  discardedBytes_ = 0;
  isolate_->MemoryPressureNotification(::v8::MemoryPressureLevel::kCritical);
}

void V8Runtime::limitStack(const Limits& limits) {
  // V8 checks an address: this far below the current frame (and never below address 0).
  const char here = 0;
  const auto top = reinterpret_cast<std::uintptr_t>(&here);
  const std::uintptr_t limit = top - std::min<std::uint64_t>(limits.maxStackBytes, top / 2);
  constexpr std::uintptr_t kPage = 4096;
  if (limit + kPage > stackLimit_ && limit < stackLimit_ + kPage)
    return;
  stackLimit_ = limit;
  isolate_->SetStackLimit(limit);
}

void V8Runtime::hostFailed(::v8::Local<::v8::Value> exception, HostOutcome outcome) {
  failedException_.Reset(isolate_, exception);
  failedOutcome_ = std::move(outcome);
}

std::optional<HostOutcome> V8Runtime::takeHostOutcome(::v8::Local<::v8::Value> exception) {
  if (!failedOutcome_ || exception.IsEmpty() || failedException_.IsEmpty() ||
      !failedException_.Get(isolate_)->StrictEquals(exception))
    return std::nullopt;
  std::optional<HostOutcome> outcome = std::move(failedOutcome_);
  failedOutcome_.reset();
  failedException_.Reset();
  return outcome;
}

::v8::MaybeLocal<::v8::Object> newWasmInstance(::v8::Isolate* isolate,
                                               ::v8::Local<::v8::Context> context,
                                               ::v8::Local<::v8::Value> module,
                                               ::v8::Local<::v8::Object> imports) {
  auto name = [isolate](const char* text) {
    return ::v8::String::NewFromUtf8(isolate, text).ToLocalChecked();
  };
  ::v8::Local<::v8::Value> webAssembly;
  ::v8::Local<::v8::Value> constructor;
  if (!context->Global()->Get(context, name("WebAssembly")).ToLocal(&webAssembly) ||
      !webAssembly->IsObject() ||
      !webAssembly.As<::v8::Object>()->Get(context, name("Instance")).ToLocal(&constructor) ||
      !constructor->IsFunction()) {
    return {};
  }
  std::array<::v8::Local<::v8::Value>, 2> argv{module, imports};
  return constructor.As<::v8::Function>()->NewInstance(context, static_cast<int>(argv.size()),
                                                       argv.data());
}

}  // namespace wasmesh::wasm::v8
