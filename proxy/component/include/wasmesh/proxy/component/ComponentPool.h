#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wasmesh/proxy/component/ComponentExchange.h"
#include "wasmesh/wasm/Limits.h"
#include "wasmesh/wasm/component/LinkedComponent.h"
#include "wasmesh/wasm/component/http/HttpOptions.h"
#include "wasmesh/wasm/component/wasi/WasiOptions.h"
#include "wasmesh/wasm/engines/EngineFactory.h"

namespace wasmesh::proxy::component {

struct ComponentPoolOptions {
  std::shared_ptr<const wasm::component::LinkedComponent> linked;
  wasm::EngineKind engine = wasm::EngineKind::v8;
  // Per core module's memory, and per call into the guest (the request's timeout).
  wasm::Limits limits;
  // The longest a request may run in the guest, in guest code or waiting in the host.
  std::chrono::milliseconds timeout{30'000};
  std::size_t threads = 1;
  // Instances made ahead on each thread, so that a request never waits for one.
  std::size_t instancesPerThread = 2;
  // Requests waiting for a guest thread beyond these are refused (503).
  std::size_t maxQueued = 1024;
  // What each instance sees (a fresh copy per instance: streams, environment, directories).
  std::function<wasm::component::wasi::WasiOptions()> wasi;
  wasm::component::http::HttpOptions http;
};

// Runs a wasi:http component for requests, as `wasmtime serve` does: a fresh instance per
// request, discarded afterwards, on guest threads where a guest blocking in the host (poll, a
// blocking read) stalls nothing else. Each thread has its own engine (engines and instances
// are single-threaded), the component compiled once for it, and instances made ahead of the
// requests that will use them. Requests wait in one queue; whichever thread has an instance
// ready takes the next one.
class ComponentPool {
 public:
  explicit ComponentPool(ComponentPoolOptions options);
  ~ComponentPool();
  ComponentPool(const ComponentPool&) = delete;
  ComponentPool& operator=(const ComponentPool&) = delete;

  // Starts the threads and waits until each has compiled the component and made its first
  // instances; fails (naming the engine's error) when the component cannot run.
  wasm::WasmResult<void> start();
  // Queues a request; false when the queue is full (the caller answers 503).
  bool submit(std::shared_ptr<ComponentExchange> exchange);
  // Stops the threads once their current requests end; queued requests are cancelled.
  void stop();

  std::uint64_t instantiations() const { return instantiations_.load(); }
  std::uint64_t failedInstantiations() const { return failedInstantiations_.load(); }
  // Instances ready now, over all threads.
  std::size_t readyInstances() const { return ready_.load(); }

 private:
  void run(std::size_t index);

  ComponentPoolOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<ComponentExchange>> queue_;
  bool stopping_ = false;
  // Start-up: threads that are ready, and the first error.
  std::size_t started_ = 0;
  std::optional<wasm::WasmError> startError_;
  std::condition_variable startedChanged_;
  std::atomic<std::uint64_t> instantiations_{0};
  std::atomic<std::uint64_t> failedInstantiations_{0};
  std::atomic<std::size_t> ready_{0};
  std::vector<std::thread> threads_;
};

}  // namespace wasmesh::proxy::component
