#include "wasmesh/proxy/component/ComponentPool.h"

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/wasm/component/PreparedComponent.h"
#include "wasmesh/wasm/component/http/BodyPipe.h"
#include "wasmesh/wasm/component/http/HttpHost.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::proxy::component {
namespace {

namespace wc = wasm::component;
using Clock = std::chrono::steady_clock;

struct ReadyInstance {
  std::shared_ptr<wc::ComponentInstance> instance;
  std::shared_ptr<wc::wasi::GuestWaker> waker;
};

// Back-off after an instantiation failed, so a component that cannot be instantiated any more
// (its host ran out of memory, say) does not spin a thread.
constexpr auto kInstantiationBackoff = std::chrono::milliseconds(100);

// "trap: unreachable in function f" -> "unreachable in function f": the result names the kind.
std::string withoutKind(const wasm::WasmError& error) {
  std::string text = error.describe();
  for (const std::string_view kind : {"trap: ", "limit: "}) {
    if (text.starts_with(kind))
      return text.substr(kind.size());
  }
  return text;
}

GuestOutcome classify(const wasm::WasmResult<wc::http::IncomingHandler::Outcome>& result,
                      const ComponentExchange& exchange) {
  if (exchange.cancelled())
    return {GuestResult::cancelled, "the client went away"};
  if (!result) {
    const wasm::WasmError& error = result.error();
    switch (error.code) {
      case errc::wasm_cpu_limit:
        return {GuestResult::timeout, withoutKind(error)};
      case errc::wasm_memory_limit:
        return {GuestResult::memoryLimit, withoutKind(error)};
      case errc::wasm_exit:
        return {GuestResult::exit, "exit: the component exited with status " +
                                       std::to_string(error.exitCode) + " while serving"};
      default:
        return {GuestResult::trap, withoutKind(error)};
    }
  }
  if (!result->responded)
    return {GuestResult::noResponse, "the component returned without setting a response"};
  if (auto body = exchange.responseBody(); body && body->error())
    return {GuestResult::incompleteBody,
            "the component returned without finishing its response body (" +
                body->error()->describe() + ")"};
  if (auto code = exchange.errorCode())
    return {GuestResult::errorCode, "the component answered with error-code " + code->describe()};
  return {GuestResult::ok, {}};
}

}  // namespace

ComponentPool::ComponentPool(ComponentPoolOptions options) : options_(std::move(options)) {}

ComponentPool::~ComponentPool() {
  stop();
}

wasm::WasmResult<void> ComponentPool::start() {
  const std::size_t threads = std::max<std::size_t>(options_.threads, 1);
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this, i] { run(i); });
  std::unique_lock lock(mutex_);
  startedChanged_.wait(lock, [&] { return startError_ || started_ == threads; });
  if (startError_)
    return *startError_;
  return {};
}

bool ComponentPool::submit(std::shared_ptr<ComponentExchange> exchange) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= options_.maxQueued)
      return false;
    queue_.push_back(std::move(exchange));
  }
  wake_.notify_one();
  return true;
}

void ComponentPool::stop() {
  std::deque<std::shared_ptr<ComponentExchange>> abandoned;
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    abandoned.swap(queue_);
  }
  wake_.notify_all();
  for (auto& exchange : abandoned)
    exchange->finish({GuestResult::cancelled, "the server is stopping"});
  for (auto& thread : threads_) {
    if (thread.joinable())
      thread.join();
  }
  threads_.clear();
}

void ComponentPool::run(std::size_t /*index*/) {
  std::optional<wasm::WasmError> failure;
  std::shared_ptr<wc::PreparedComponent> prepared;
  auto engine = wasm::makeEngine(options_.engine);
  if (!engine) {
    failure = engine.error();
  } else {
    auto compiled = wc::PreparedComponent::prepare(**engine, options_.linked, options_.limits);
    if (compiled)
      prepared = *compiled;
    else
      failure = compiled.error();
  }
  const wc::ExportedFunction* handle = wc::http::IncomingHandler::findExport(*options_.linked);
  if (!failure && handle == nullptr)
    failure = wasm::WasmError::make(errc::wasm_bad_call,
                                    "not a wasi:http component: no "
                                    "wasi:http/incoming-handler export");

  auto instantiate = [&]() -> wasm::WasmResult<ReadyInstance> {
    auto state = wc::http::HttpHost::state(
        options_.wasi ? options_.wasi() : wc::wasi::WasiOptions{}, options_.http);
    if (!state)
      return state.error();
    auto waker = static_cast<wc::wasi::WasiState&>(**state).waker();
    auto instance = prepared->instantiate(std::move(*state));
    if (!instance) {
      ++failedInstantiations_;
      return instance.error();
    }
    ++instantiations_;
    return ReadyInstance{std::move(*instance), std::move(waker)};
  };

  std::deque<ReadyInstance> ready;
  const std::size_t target = std::max<std::size_t>(options_.instancesPerThread, 1);
  while (!failure && ready.size() < target) {
    auto made = instantiate();
    if (!made)
      failure = made.error();
    else
      ready.push_back(std::move(*made));
  }
  ready_ += ready.size();
  {
    const std::lock_guard lock(mutex_);
    if (failure && !startError_)
      startError_ = failure;
    else if (!failure)
      ++started_;
  }
  startedChanged_.notify_all();
  if (failure)
    return;

  for (;;) {
    std::shared_ptr<ComponentExchange> job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || ready.size() < target; });
      if (stopping_)
        break;
      if (!queue_.empty() && !ready.empty()) {
        job = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (!job) {
      // A request waits with no instance here, or the pool is below its target: make one.
      auto made = instantiate();
      if (made) {
        ready.push_back(std::move(*made));
        ++ready_;
        continue;
      }
      std::shared_ptr<ComponentExchange> unlucky;
      {
        const std::lock_guard lock(mutex_);
        if (!queue_.empty()) {
          unlucky = std::move(queue_.front());
          queue_.pop_front();
        }
      }
      if (unlucky)
        unlucky->finish({GuestResult::instantiationFailed, made.error().describe()});
      std::this_thread::sleep_for(kInstantiationBackoff);
      continue;
    }
    ReadyInstance slot = std::move(ready.front());
    ready.pop_front();
    --ready_;
    if (Clock::now() >= job->deadline()) {
      job->finish({GuestResult::overloaded, "waited longer than its timeout for a guest thread"});
      ready.push_front(std::move(slot));
      ++ready_;
      continue;
    }
    if (!job->start(slot.waker)) {
      // Cancelled before it ran: the instance is untouched and stays ready.
      job->finish({GuestResult::cancelled, "the client went away"});
      ready.push_front(std::move(slot));
      ++ready_;
      continue;
    }
    slot.waker->setDeadline(
        Clock::now() + options_.timeout,
        wasm::WasmError::make(errc::wasm_cpu_limit,
                              "timeout after " + formatDuration(options_.timeout)));
    auto result =
        wc::http::IncomingHandler::handle(*slot.instance, *handle, job->takeRequest(), job);
    // Discarded before the outcome is told: the bodies it left unfinished fail first.
    slot.instance.reset();
    job->finish(classify(result, *job));
  }
  ready_ -= ready.size();
}

}  // namespace wasmesh::proxy::component
