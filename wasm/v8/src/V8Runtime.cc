#include "V8Runtime.h"

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

}  // namespace wasmesh::wasm::v8
