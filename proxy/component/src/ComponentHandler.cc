#include "wasmesh/proxy/component/ComponentHandler.h"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include "wasmesh/proxy/http/AsyncEvent.h"
#include "wasmesh/proxy/http/HeaderRules.h"

namespace wasmesh::proxy::component {
namespace {

namespace wh = wasm::component::http;
using wh::BodyPipe;

constexpr std::size_t kReadChunk = std::size_t{64} * 1024;
constexpr std::size_t kMaxErrorHeaderBytes = 512;

wh::HttpRequest requestOf(const http::RequestHead& head) {
  wh::HttpRequest request;
  request.method = head.method;
  request.scheme = head.scheme;
  request.authority = head.authority;
  request.pathWithQuery = head.path;
  request.headers.reserve(head.headers.size());
  for (const auto& [name, value] : head.headers)
    request.headers.emplace_back(name, value);
  return request;
}

http::HeaderMap headersOf(const wh::HttpFields& fields) {
  http::HeaderMap headers;
  for (const auto& [name, value] : fields)
    headers.add(name, value);
  return headers;
}

std::optional<std::uint64_t> declaredLength(const http::HeaderMap& headers) {
  auto value = headers.get("content-length");
  if (!value || value->empty() || value->size() > 19 ||
      value->find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  return std::stoull(std::string(*value));
}

// One line that is a valid field value whatever the error carried.
std::string headerSafe(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, kMaxErrorHeaderBytes)) {
    const auto byte = static_cast<unsigned char>(c);
    out += byte >= 0x20 && byte < 0x7f ? c : '?';
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

// Responses that never carry a body, whatever the component wrote.
bool bodiless(const http::RequestHead& request, unsigned status) {
  return request.method == "HEAD" || status == 204 || status == 304;
}

boost::asio::awaitable<void> sendError(http::ServerStream& stream, const GuestOutcome& outcome) {
  http::ResponseHead head;
  head.status = statusFor(outcome.result);
  const std::string why =
      headerSafe(std::string(guestResultName(outcome.result)) + ": " + outcome.message);
  head.headers.add("content-type", "text/plain");
  head.headers.add(ComponentHandler::kErrorHeader, why);
  const std::string body = why + "\n";
  head.contentLength = body.size();
  if (!co_await stream.sendHeaders(head, false))
    co_return;
  static_cast<void>(co_await stream.sendData(
      {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}, true));
}

// The response the component set, streamed to the client as the component writes it.
boost::asio::awaitable<bool> sendResponse(http::ServerStream& stream, wh::HttpResponse response,
                                          ThreadSignal& signal) {
  http::ResponseHead head;
  head.status = response.status;
  head.headers = headersOf(response.headers);
  http::removeHopByHop(head.headers);
  head.contentLength = declaredLength(head.headers);
  BodyPipe& pipe = *response.body;
  if (bodiless(stream.request(), head.status)) {
    pipe.closeReader();
    co_return static_cast<bool>(co_await stream.sendHeaders(head, true));
  }
  // A body that is complete already (most small ones) leaves with the head, its length known.
  if (pipe.done() && !pipe.error() && !pipe.trailers()) {
    std::string body;
    for (BodyPipe::Read read = pipe.read(kReadChunk); read.status == BodyPipe::Read::Status::data;
         read = pipe.read(kReadChunk))
      body += read.bytes;
    if (!head.contentLength)
      head.contentLength = body.size();
    if (!co_await stream.sendHeaders(head, body.empty()))
      co_return false;
    if (body.empty())
      co_return true;
    co_return static_cast<bool>(co_await stream.sendData(
        {reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}, true));
  }
  if (!co_await stream.sendHeaders(head, false))
    co_return false;
  // The head leaves now, even if the first body bytes are a while coming (or never come).
  const bool flushHead = !pipe.readable() || pipe.error().has_value();
  if (flushHead) {
    auto flushed = co_await stream.sendData({}, false);
    if (!flushed)
      co_return false;
  }
  for (;;) {
    BodyPipe::Read read = pipe.read(kReadChunk);
    switch (read.status) {
      case BodyPipe::Read::Status::data:
        if (!co_await stream.sendData(
                {reinterpret_cast<const std::uint8_t*>(read.bytes.data()), read.bytes.size()},
                false)) {
          pipe.closeReader();
          co_return false;
        }
        break;
      case BodyPipe::Read::Status::pending:
        co_await signal.wait();
        break;
      case BodyPipe::Read::Status::end:
        if (auto trailers = pipe.trailers(); trailers && !trailers->empty())
          co_return static_cast<bool>(co_await stream.sendTrailers(headersOf(*trailers)));
        co_return static_cast<bool>(co_await stream.sendData({}, true));
      case BodyPipe::Read::Status::failed:
        // The head has left: only a reset can tell the client the body is incomplete.
        stream.reset();
        co_return true;
    }
  }
}

// The client's body into the component's pipe, as the component makes room; then waits to
// be cancelled (by the response side's end). A client that goes away cancels the guest and
// ends the exchange.
boost::asio::awaitable<void> pumpRequestThenHold(http::ServerStream& stream, BodyPipe& pipe,
                                                 ThreadSignal& signal,
                                                 ComponentExchange& exchange) {
  for (;;) {
    while (pipe.room() == 0)
      co_await signal.wait();
    auto chunk = co_await stream.readBody();
    if (!chunk) {
      // Cancelled before the guest sees its body fail, so that a guest answering the failure
      // quickly is still counted as what it is: a request whose client went away.
      exchange.cancel("the client went away");
      pipe.fail({wh::HttpErrorCode::connectionTerminated, std::nullopt, std::nullopt});
      co_return;  // ends the exchange: the response side is cancelled
    }
    pipe.write(chunk->data);
    if (chunk->end) {
      std::optional<wh::HttpFields> trailers;
      if (chunk->trailers) {
        trailers.emplace();
        for (const auto& [name, value] : *chunk->trailers)
          trailers->emplace_back(name, value);
      }
      pipe.finish(std::move(trailers));
      break;
    }
  }
  http::AsyncEvent never(co_await boost::asio::this_coro::executor);
  co_await never.wait();
}

boost::asio::awaitable<GuestOutcome> answer(http::ServerStream& stream, ComponentExchange& exchange,
                                            ThreadSignal& signal) {
  std::optional<wh::HttpResponse> response;
  for (;;) {
    response = exchange.takeResponse();
    if (response || exchange.outcome())
      break;
    co_await signal.wait();
  }
  if (response) {
    response->body->onReadable([keep = signal.shared_from_this()] { keep->notify(); });
    if (!co_await sendResponse(stream, std::move(*response), signal))
      exchange.cancel("the client went away");
  }
  while (!exchange.outcome())
    co_await signal.wait();
  GuestOutcome outcome = *exchange.outcome();
  if (!response && outcome.result == GuestResult::ok)
    outcome = {GuestResult::noResponse, "the component returned without setting a response"};
  if (!response && outcome.result != GuestResult::cancelled)
    co_await sendError(stream, outcome);
  co_return outcome;
}

}  // namespace

ComponentHandler::ComponentHandler(ComponentPool& pool, const ComponentMetrics& metrics,
                                   Options options)
    : pool_(pool), metrics_(metrics), options_(std::move(options)) {}

boost::asio::awaitable<GuestOutcome> ComponentHandler::serve(http::ServerStream& stream,
                                                             std::size_t shard) {
  using boost::asio::experimental::awaitable_operators::operator||;
  const auto executor = co_await boost::asio::this_coro::executor;
  const http::RequestHead& head = stream.request();
  auto responseSignal = std::make_shared<ThreadSignal>(executor);
  auto requestSignal = std::make_shared<ThreadSignal>(executor);
  wh::HttpRequest request = requestOf(head);
  std::shared_ptr<BodyPipe> body =
      head.hasBody ? std::make_shared<BodyPipe>(options_.bodyBufferBytes) : BodyPipe::empty();
  if (head.hasBody)
    body->onWritable([requestSignal] { requestSignal->notify(); });
  request.body = body;
  auto exchange = std::make_shared<ComponentExchange>(
      std::move(request), responseSignal, ComponentExchange::Clock::now() + options_.timeout);
  GuestOutcome outcome;
  if (!pool_.submit(exchange)) {
    outcome = {GuestResult::overloaded, "every guest thread is busy and the queue is full"};
    co_await sendError(stream, outcome);
  } else if (head.hasBody) {
    auto ended = co_await (answer(stream, *exchange, *responseSignal) ||
                           pumpRequestThenHold(stream, *body, *requestSignal, *exchange));
    outcome = ended.index() == 0 ? std::get<0>(std::move(ended))
                                 : GuestOutcome{GuestResult::cancelled, "the client went away"};
  } else {
    outcome = co_await answer(stream, *exchange, *responseSignal);
  }
  metrics_.request(outcome.result, shard);
  if (outcome.result != GuestResult::ok && options_.onFailure)
    options_.onFailure(head, outcome);
  co_return outcome;
}

}  // namespace wasmesh::proxy::component
