#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "../wasm/Fixtures.h"
#include "ComponentFixtures.h"
#include "wasmesh/wasm/component/ComponentDecoder.h"
#include "wasmesh/wasm/component/ComponentLinker.h"
#include "wasmesh/wasm/component/PreparedComponent.h"
#include "wasmesh/wasm/component/http/HttpHost.h"
#include "wasmesh/wasm/component/http/IncomingHandler.h"
#include "wasmesh/wasm/component/wasi/WasiState.h"

namespace wasmesh::wasm::component::http {
namespace {

using namespace std::chrono_literals;

// What a handler answered: through the outparam, on the guest's thread.
class CapturedResponse final : public ResponseOutparam {
 public:
  void respond(HttpResponse response) override {
    const std::lock_guard lock(mutex_);
    response_ = std::move(response);
    changed_.notify_all();
  }
  void fail(HttpError error) override {
    const std::lock_guard lock(mutex_);
    error_ = std::move(error);
    changed_.notify_all();
  }
  // The guest returned: nothing more will come.
  void close() {
    const std::lock_guard lock(mutex_);
    closed_ = true;
    changed_.notify_all();
  }
  // The response's body pipe once there is a response, or null.
  std::shared_ptr<BodyPipe> awaitBody() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return response_ || error_ || closed_; });
    return response_ ? response_->body : nullptr;
  }

  std::optional<HttpResponse> response_;
  std::optional<HttpError> error_;

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
};

// Reads a whole body, waiting for the writer (on another thread) as needed.
std::string drain(BodyPipe& pipe, std::chrono::milliseconds patience = 10s) {
  std::string body;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    BodyPipe::Read read = pipe.read(64 * 1024);
    if (read.status == BodyPipe::Read::Status::data)
      body += read.bytes;
    else if (read.status == BodyPipe::Read::Status::pending)
      std::this_thread::sleep_for(1ms);
    else
      break;
  }
  return body;
}

std::optional<std::string> header(const HttpFields& fields, std::string_view name) {
  for (const auto& [key, value] : fields) {
    if (key == name)
      return value;
  }
  return std::nullopt;
}

struct Exchange {
  WasmResult<IncomingHandler::Outcome> outcome = IncomingHandler::Outcome{};
  std::shared_ptr<CapturedResponse> answer = std::make_shared<CapturedResponse>();
  std::string body;
};

// The JavaScript handler (componentize-js) and the wasi:http host on both engines.
class HttpHandlerTest : public testing::TestWithParam<EngineKind> {
 protected:
  void SetUp() override {
    if (test::componentFixture("http_handler").empty())
      GTEST_SKIP() << "component fixtures not built (scripts/install-npm.sh)";
  }

  std::shared_ptr<PreparedComponent> prepare(const std::string& name, Limits limits = {}) {
    auto decoded = ComponentDecoder::decode(test::componentFixture(name));
    EXPECT_TRUE(decoded) << decoded.error().describe();
    if (!decoded)
      return nullptr;
    auto linked = ComponentLinker::link(*decoded, HttpHost::host());
    EXPECT_FALSE(linked->error) << linked->error->describe();
    if (linked->error)
      return nullptr;
    auto prepared = PreparedComponent::prepare(*engine_, linked, limits);
    EXPECT_TRUE(prepared) << prepared.error().describe();
    return prepared ? *prepared : nullptr;
  }

  // Serves one request on a fresh instance, the body given written by another thread in
  // `chunks` pieces.
  Exchange serve(PreparedComponent& prepared, HttpRequest request, std::string body = {},
                 std::size_t chunks = 1, HttpOptions options = {},
                 std::optional<std::chrono::milliseconds> deadline = std::nullopt) {
    Exchange exchange;
    auto state = HttpHost::state({}, std::move(options));
    EXPECT_TRUE(state);
    auto* wasiState = static_cast<wasi::WasiState*>(state->get());
    if (deadline)
      wasiState->waker()->setDeadline(std::chrono::steady_clock::now() + *deadline,
                                      WasmError::make(errc::wasm_cpu_limit, "request timeout"));
    auto instance = prepared.instantiate(std::move(*state));
    EXPECT_TRUE(instance) << instance.error().describe();
    if (!instance)
      return exchange;
    const ExportedFunction* handle = IncomingHandler::findExport(prepared.linked());
    EXPECT_NE(handle, nullptr);
    request.body = std::make_shared<BodyPipe>();
    std::thread writer([pipe = request.body, body = std::move(body), chunks] {
      const std::size_t step = chunks == 0 ? body.size() : (body.size() + chunks - 1) / chunks;
      for (std::size_t offset = 0; offset < body.size(); offset += step) {
        while (pipe->room() == 0 && !pipe->readerClosed())
          std::this_thread::sleep_for(1ms);
        const std::string piece = body.substr(offset, step);
        pipe->write({reinterpret_cast<const std::uint8_t*>(piece.data()), piece.size()});
        std::this_thread::sleep_for(2ms);
      }
      pipe->finish();
    });
    std::thread reader([&exchange] {
      // The response body, read while the guest writes it (a large body would fill the pipe).
      if (auto answered = exchange.answer->awaitBody())
        exchange.body = drain(*answered);
    });
    exchange.outcome =
        IncomingHandler::handle(**instance, *handle, std::move(request), exchange.answer);
    exchange.answer->close();
    // What the guest leaves unfinished fails with the instance.
    instance->reset();
    writer.join();
    reader.join();
    return exchange;
  }

  static HttpRequest get(std::string path) {
    HttpRequest request;
    request.method = "GET";
    request.scheme = "http";
    request.authority = "localhost";
    request.pathWithQuery = std::move(path);
    return request;
  }

  std::unique_ptr<Engine> engine_ = wasm::test::engine(GetParam());
};

TEST_P(HttpHandlerTest, AnswersAGet) {
  auto prepared = prepare("http_handler");
  ASSERT_TRUE(prepared);
  Exchange exchange = serve(*prepared, get("/hello"));
  ASSERT_TRUE(exchange.outcome) << exchange.outcome.error().describe();
  EXPECT_TRUE(exchange.outcome->responded);
  ASSERT_TRUE(exchange.answer->response_);
  EXPECT_EQ(exchange.answer->response_->status, 200);
  EXPECT_EQ(header(exchange.answer->response_->headers, "x-handler"), "js");
  EXPECT_EQ(header(exchange.answer->response_->headers, "content-type"), "text/plain");
  EXPECT_EQ(exchange.body, "hello from js\n");
}

TEST_P(HttpHandlerTest, ReadsAStreamedRequestBodyAndStreamsTheResponse) {
  auto prepared = prepare("http_handler");
  ASSERT_TRUE(prepared);
  std::string body;
  for (int i = 0; i < 5000; ++i)
    body += "line " + std::to_string(i) + "\n";
  HttpRequest post = get("/echo");
  post.method = "POST";
  post.headers = {{"content-type", "text/x-lines"}};
  Exchange echoed = serve(*prepared, post, body, 7);
  ASSERT_TRUE(echoed.outcome) << echoed.outcome.error().describe();
  ASSERT_TRUE(echoed.answer->response_);
  EXPECT_EQ(header(echoed.answer->response_->headers, "content-type"), "text/x-lines");
  EXPECT_EQ(echoed.body, body);

  post.pathWithQuery = "/digest";
  Exchange digested = serve(*prepared, post, "abc", 3);
  ASSERT_TRUE(digested.outcome) << digested.outcome.error().describe();
  EXPECT_EQ(digested.body, "POST 3 1a47e90b\n");
}

TEST_P(HttpHandlerTest, PassesHeadersMethodsAndStatusCodes) {
  auto prepared = prepare("http_handler");
  ASSERT_TRUE(prepared);
  HttpRequest request = get("/headers?a=1");
  request.method = "PATCH";
  request.headers = {{"x-one", "1"}, {"x-two", "zwei"}, {"accept", "*/*"}};
  Exchange exchange = serve(*prepared, request);
  ASSERT_TRUE(exchange.outcome) << exchange.outcome.error().describe();
  ASSERT_TRUE(exchange.answer->response_);
  EXPECT_EQ(exchange.body, "PATCH /headers?a=1\nx-one: 1\nx-two: zwei\n");
  EXPECT_EQ(header(exchange.answer->response_->headers, "x-echoed"), "2");
  EXPECT_EQ(header(exchange.answer->response_->headers, "set-cookie"), "a=1");
  for (const std::uint16_t status : {201, 204, 304, 404, 503}) {
    Exchange answered = serve(*prepared, get("/status/" + std::to_string(status)));
    ASSERT_TRUE(answered.answer->response_);
    EXPECT_EQ(answered.answer->response_->status, status);
  }
  Exchange missing = serve(*prepared, get("/nowhere"));
  ASSERT_TRUE(missing.answer->response_);
  EXPECT_EQ(missing.answer->response_->status, 404);
}

TEST_P(HttpHandlerTest, StreamsALargeResponseThroughTheBoundedPipe) {
  auto prepared = prepare("http_handler");
  ASSERT_TRUE(prepared);
  Exchange exchange = serve(*prepared, get("/stream?chunks=64&size=4096"));
  ASSERT_TRUE(exchange.outcome) << exchange.outcome.error().describe();
  ASSERT_EQ(exchange.body.size(), 64U * 4096U);
  EXPECT_EQ(exchange.body.substr(4096 * 63, 3), "333");
}

TEST_P(HttpHandlerTest, AGuestWaitingInPollIsWokenAndCanBeStopped) {
  auto prepared = prepare("http_handler");
  ASSERT_TRUE(prepared);
  Exchange slept = serve(*prepared, get("/sleep?ms=50"));
  ASSERT_TRUE(slept.outcome) << slept.outcome.error().describe();
  EXPECT_EQ(slept.body, "slept 50\n");

  // The guest blocks in poll for 60 s; the request's deadline ends the wait.
  const auto start = std::chrono::steady_clock::now();
  Exchange stopped = serve(*prepared, get("/sleep?ms=60000"), {}, 1, {}, 200ms);
  ASSERT_FALSE(stopped.outcome);
  EXPECT_EQ(stopped.outcome.error().code, errc::wasm_cpu_limit);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_FALSE(stopped.answer->response_);
}

TEST_P(HttpHandlerTest, AGuestThatLoopsIsStoppedByItsCpuLimit) {
  Limits limits;
  limits.cpuTimePerCall = 300ms;
  auto prepared = prepare("http_handler", limits);
  ASSERT_TRUE(prepared);
  Exchange looped = serve(*prepared, get("/loop"));
  ASSERT_FALSE(looped.outcome);
  EXPECT_EQ(looped.outcome.error().code, errc::wasm_cpu_limit);
  // The next instance of the same component serves as if nothing happened.
  Exchange next = serve(*prepared, get("/hello"));
  ASSERT_TRUE(next.outcome) << next.outcome.error().describe();
  EXPECT_EQ(next.body, "hello from js\n");
  EXPECT_EQ(prepared->counters().limits, 1U);
}

TEST_P(HttpHandlerTest, AnExceptionInTheHandlerIsTheEnginesAnswer) {
  auto prepared = prepare("http_handler");
  ASSERT_TRUE(prepared);
  Exchange thrown = serve(*prepared, get("/throw"));
  // componentize-js answers an uncaught exception with its own 500.
  ASSERT_TRUE(thrown.outcome) << thrown.outcome.error().describe();
  ASSERT_TRUE(thrown.answer->response_);
  EXPECT_EQ(thrown.answer->response_->status, 500);
}

INSTANTIATE_TEST_SUITE_P(Engines, HttpHandlerTest, testing::ValuesIn(allEngineKinds()),
                         wasm::test::engineName);

}  // namespace
}  // namespace wasmesh::wasm::component::http
