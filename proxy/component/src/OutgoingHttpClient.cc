#include "wasmesh/proxy/component/OutgoingHttpClient.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/TimedConnect.h"
#include "wasmesh/proxy/component/ThreadSignal.h"
#include "wasmesh/proxy/http/AsyncEvent.h"
#include "wasmesh/proxy/http/Http1ClientConnection.h"
#include "wasmesh/wasm/component/http/BodyPipe.h"

namespace wasmesh::proxy::component {
namespace {

namespace wh = wasm::component::http;
using boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

wh::HttpError failure(wh::HttpErrorCode code, std::optional<std::string> text = std::nullopt) {
  return {code, std::move(text), std::nullopt};
}

std::chrono::milliseconds chosen(const std::optional<std::chrono::nanoseconds>& asked,
                                 std::chrono::milliseconds fallback) {
  if (!asked)
    return fallback;
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(*asked));
}

// "host:port", "[v6]:port" or a host alone.
std::pair<std::string, std::string> split(const std::string& authority, const std::string& scheme) {
  const std::string fallback = scheme == "https" ? "443" : "80";
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    const std::string host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      return {host, authority.substr(close + 2)};
    return {host, fallback};
  }
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos)
    return {authority, fallback};
  return {authority.substr(0, colon), authority.substr(colon + 1)};
}

class OutgoingExchange {
 public:
  OutgoingExchange(wh::HttpRequest request, std::shared_ptr<wh::PendingResponse> pending,
                   http::HttpSettings settings, std::chrono::milliseconds connectTimeout,
                   std::chrono::milliseconds firstByteTimeout)
      : request_(std::move(request)),
        pending_(std::move(pending)),
        settings_(settings),
        connectTimeout_(connectTimeout),
        firstByteTimeout_(firstByteTimeout) {}

  boost::asio::awaitable<void> run() {
    const auto executor = co_await boost::asio::this_coro::executor;
    if (request_.scheme != "http") {
      pending_->fail(
          failure(wh::HttpErrorCode::internalError,
                  "only plain http is supported for outgoing requests, not " + request_.scheme));
      co_return;
    }
    auto socket = std::make_unique<tcp::socket>(executor);
    if (auto error = co_await connect(*socket)) {
      pending_->fail(*error);
      co_return;
    }
    auto stream = std::make_unique<PlainStream>(*socket);
    auto connection = std::make_shared<http::Http1ClientConnection>(std::move(socket),
                                                                    std::move(stream), settings_);
    http::RequestHead head;
    head.method = request_.method;
    head.scheme = request_.scheme;
    head.authority = request_.authority;
    head.path = request_.pathWithQuery;
    for (const auto& [name, value] : request_.headers)
      head.headers.add(name, value);
    wh::BodyPipe& body = *request_.body;
    head.hasBody = !(body.done() && body.bytesWritten() == 0);
    if (auto length = head.headers.get("content-length"))
      head.contentLength = std::strtoull(std::string(*length).c_str(), nullptr, 10);
    auto started = co_await connection->startRequest(head, !head.hasBody);
    if (!started) {
      pending_->fail(failure(wh::HttpErrorCode::connectionTerminated, started.error().message()));
      co_return;
    }
    http::ClientStream& upstream = **started;
    requestSignal_ = std::make_shared<ThreadSignal>(executor);
    responseSignal_ = std::make_shared<ThreadSignal>(executor);
    body.onReadable([signal = requestSignal_] { signal->notify(); });
    using boost::asio::experimental::awaitable_operators::operator||;
    if (head.hasBody)
      co_await (receive(upstream) || sendThenHold(upstream));
    else
      co_await receive(upstream);
    connection->close();
  }

 private:
  boost::asio::awaitable<std::optional<wh::HttpError>> connect(tcp::socket& socket) {
    auto [host, port] = split(request_.authority, request_.scheme);
    tcp::resolver resolver(socket.get_executor());
    auto [resolveError, endpoints] = co_await resolver.async_resolve(host, port, kNoThrow);
    if (resolveError || endpoints.empty())
      co_return failure(wh::HttpErrorCode::dnsError);
    const auto deadline = Clock::now() + connectTimeout_;
    boost::system::error_code error;
    for (const auto& entry : endpoints) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) {
        error = make_error_code(errc::connect_timeout);
        break;
      }
      boost::system::error_code ignored;
      socket.close(ignored);
      error = co_await connectWithin(socket, entry.endpoint(), left);
      if (!error)
        co_return std::nullopt;
    }
    if (error == errc::connect_timeout)
      co_return failure(wh::HttpErrorCode::connectionTimeout);
    if (error == boost::asio::error::connection_refused)
      co_return failure(wh::HttpErrorCode::connectionRefused);
    co_return failure(wh::HttpErrorCode::destinationUnavailable, error.message());
  }

  // The guest's body, as it writes it; then waits to be cancelled by the response's end.
  boost::asio::awaitable<void> sendThenHold(http::ClientStream& upstream) {
    wh::BodyPipe& body = *request_.body;
    for (bool done = false; !done;) {
      wh::BodyPipe::Read read = body.read(kReadChunk);
      switch (read.status) {
        case wh::BodyPipe::Read::Status::data:
          if (!co_await upstream.sendData(
                  {reinterpret_cast<const std::uint8_t*>(read.bytes.data()), read.bytes.size()},
                  false))
            done = true;
          break;
        case wh::BodyPipe::Read::Status::pending:
          co_await requestSignal_->wait();
          break;
        case wh::BodyPipe::Read::Status::end:
          static_cast<void>(co_await upstream.sendData({}, true));
          done = true;
          break;
        case wh::BodyPipe::Read::Status::failed:
          // The guest abandoned its body: the request cannot be completed.
          upstream.reset();
          done = true;
          break;
      }
    }
    http::AsyncEvent never(co_await boost::asio::this_coro::executor);
    co_await never.wait();
  }

  boost::asio::awaitable<Result<http::ResponseHead>> readHead(http::ClientStream& upstream) {
    using boost::asio::experimental::awaitable_operators::operator||;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, firstByteTimeout_);
    auto woken = co_await (upstream.readHeaders() || timer.async_wait(kNoThrow));
    if (woken.index() == 1) {
      upstream.reset();
      co_return make_error_code(errc::http_response_timeout);
    }
    co_return std::get<0>(std::move(woken));
  }

  boost::asio::awaitable<void> receive(http::ClientStream& upstream) {
    Result<http::ResponseHead> head = co_await readHead(upstream);
    while (head && head->informational())
      head = co_await readHead(upstream);
    if (!head) {
      pending_->fail(head.error() == errc::http_response_timeout
                         ? failure(wh::HttpErrorCode::httpResponseTimeout)
                         : failure(wh::HttpErrorCode::httpProtocolError, head.error().message()));
      co_return;
    }
    wh::HttpResponse response;
    response.status = static_cast<std::uint16_t>(head->status);
    for (const auto& [name, value] : head->headers)
      response.headers.emplace_back(name, value);
    auto body = std::make_shared<wh::BodyPipe>(kReadChunk);
    body->onWritable([signal = responseSignal_] { signal->notify(); });
    response.body = body;
    pending_->resolve(std::move(response));
    for (;;) {
      while (body->room() == 0)
        co_await responseSignal_->wait();
      if (body->readerClosed()) {
        upstream.reset();  // the guest will not read the rest
        co_return;
      }
      auto chunk = co_await upstream.readBody();
      if (!chunk) {
        body->fail(failure(wh::HttpErrorCode::httpResponseIncomplete, chunk.error().message()));
        co_return;
      }
      body->write(chunk->data);
      if (chunk->end) {
        std::optional<wh::HttpFields> trailers;
        if (chunk->trailers) {
          trailers.emplace();
          for (const auto& [name, value] : *chunk->trailers)
            trailers->emplace_back(name, value);
        }
        body->finish(std::move(trailers));
        co_return;
      }
    }
  }

  wh::HttpRequest request_;
  std::shared_ptr<wh::PendingResponse> pending_;
  http::HttpSettings settings_;
  std::chrono::milliseconds connectTimeout_;
  std::chrono::milliseconds firstByteTimeout_;
  std::shared_ptr<ThreadSignal> requestSignal_;
  std::shared_ptr<ThreadSignal> responseSignal_;
};

}  // namespace

OutgoingHttpClient::OutgoingHttpClient(std::vector<boost::asio::any_io_executor> executors,
                                       http::HttpSettings settings, Defaults defaults)
    : executors_(std::move(executors)), settings_(settings), defaults_(defaults) {}

std::shared_ptr<wh::PendingResponse> OutgoingHttpClient::send(wh::HttpRequest request,
                                                              wh::OutgoingOptions options) {
  auto pending = std::make_shared<wh::PendingResponse>();
  if (executors_.empty()) {
    pending->fail(failure(wh::HttpErrorCode::configurationError, "no event loop for requests"));
    return pending;
  }
  http::HttpSettings settings = settings_;
  settings.idleTimeout = chosen(options.betweenBytesTimeout, defaults_.betweenBytesTimeout);
  auto exchange = std::make_shared<OutgoingExchange>(
      std::move(request), pending, settings,
      chosen(options.connectTimeout, defaults_.connectTimeout),
      chosen(options.firstByteTimeout, defaults_.firstByteTimeout));
  const auto& executor = executors_[next_++ % executors_.size()];
  boost::asio::co_spawn(
      executor, [exchange]() -> boost::asio::awaitable<void> { co_await exchange->run(); },
      boost::asio::detached);
  return pending;
}

}  // namespace wasmesh::proxy::component
