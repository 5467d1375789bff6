#include "ServeConnection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <span>

#include "wasmesh/common/ValueParsers.h"
#include "wasmesh/proxy/HttpDetector.h"
#include "wasmesh/proxy/http/Http1ServerConnection.h"
#include "wasmesh/proxy/http/Http2ServerConnection.h"

namespace wasmesh::app {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
// RFC 9113 section 3.4; detectHttp() knows it too, this tells a slow preface from a slow
// HTTP/1 request line.
constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

bool prefixOfPreface(std::span<const std::uint8_t> bytes) {
  return bytes.size() <= kHttp2Preface.size() &&
         std::equal(bytes.begin(), bytes.end(), kHttp2Preface.begin());
}

}  // namespace

std::string_view serveProtocolName(ServeProtocol protocol) noexcept {
  return protocol == ServeProtocol::http2 ? "http/2" : "http/1";
}

ServeProtocolMetrics::ServeProtocolMetrics(metrics::Registry& registry) {
  auto& connections = registry.counter(
      "wasmesh_wasm_serve_connections_total",
      "Connections `wasm serve` accepted and served, by the protocol their first bytes told.");
  auto& requests = registry.counter("wasmesh_wasm_serve_requests_total",
                                    "Requests `wasm serve` handed to the component, by protocol.");
  for (std::size_t i = 0; i < kServeProtocols; ++i) {
    const metrics::Labels labels{
        {"protocol", std::string(serveProtocolName(static_cast<ServeProtocol>(i)))}};
    connections_[i] = connections.withLabels(labels);
    requests_[i] = requests.withLabels(labels);
  }
}

void ServeProtocolMetrics::connection(ServeProtocol protocol, std::size_t shard) const {
  connections_[static_cast<std::size_t>(protocol)].add(shard);
}

void ServeProtocolMetrics::request(ServeProtocol protocol, std::size_t shard) const {
  requests_[static_cast<std::size_t>(protocol)].add(shard);
}

boost::asio::awaitable<void> ServeConnection::run(boost::asio::ip::tcp::socket socket,
                                                  const Context& context) {
  ServeConnection connection(std::move(socket), context);
  co_await connection.serve();
}

ServeConnection::ServeConnection(boost::asio::ip::tcp::socket socket, const Context& context)
    : socket_(std::move(socket)),
      stream_(socket_),
      context_(context),
      sniffTimer_(socket_.get_executor()) {
  context_.worker->track(*this);
  ++*context_.open;
  draining_ = context_.draining;
}

ServeConnection::~ServeConnection() {
  context_.worker->untrack(*this);
  --*context_.open;
}

void ServeConnection::drain() {
  draining_ = true;
  if (codec_) {
    codec_->drain();
    return;
  }
  // A client that has not said a byte yet has no request to finish; one partway through the
  // preface is decided within the sniff's bound, then drained by its codec.
  if (read_.empty())
    sniffTimer_.cancel();
}

void ServeConnection::abort() {
  aborted_ = true;
  if (codec_) {
    codec_->abort();
    return;
  }
  sniffTimer_.cancel();
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
  socket_.close(ignored);
}

boost::asio::awaitable<ServeConnection::Sniffed> ServeConnection::sniff() {
  using boost::asio::experimental::awaitable_operators::operator||;
  sniffTimer_.expires_after(context_.settings->requestHeaderTimeout);
  // Past a request line this long the HTTP/1 codec answers 414 itself.
  const std::size_t bound = context_.settings->maxStartLineBytes + 2;
  std::array<std::uint8_t, 4096> buffer{};
  for (;;) {
    switch (proxy::detectHttp(read_)) {
      case proxy::HttpDetection::http2:
        co_return Sniffed::http2;
      case proxy::HttpDetection::http1:
        co_return Sniffed::http1;
      case proxy::HttpDetection::notHttp:
        co_return Sniffed::notHttp;
      case proxy::HttpDetection::incomplete:
        break;
    }
    if (read_.size() >= bound)
      co_return Sniffed::http1;
    if (aborted_ || (draining_ && read_.empty()))
      co_return Sniffed::nothing;
    boost::system::error_code error;
    const std::size_t got = stream_.readSome(
        std::span(buffer).first(std::min(buffer.size(), bound - read_.size())), error);
    if (error == boost::asio::error::would_block) {
      auto woken = co_await (stream_.waitToRead() || sniffTimer_.async_wait(kNoThrow));
      if (woken.index() == 0)
        continue;
      // Expired, or cancelled by a drain or an abort. A client stuck partway through its
      // first line is a slow header, counted as the codec it was heading for would count it.
      if (!read_.empty() && !draining_ && !aborted_) {
        const auto heading = prefixOfPreface(read_) ? ServeProtocol::http2 : ServeProtocol::http1;
        context_.codecs[static_cast<std::size_t>(heading)]->onEvent(
            proxy::http::CodecEvent::headerTimeout);
      }
      co_return Sniffed::nothing;
    }
    // The client went away, possibly partway through its first line: nothing to answer.
    if (error || got == 0)
      co_return Sniffed::nothing;
    read_.insert(read_.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got));
  }
}

boost::asio::awaitable<void> ServeConnection::refuseNotHttp() {
  // What the HTTP/1 codec answers to a request it cannot parse; it is not given these bytes
  // since, with no line end in them, it would wait for one until its header timeout.
  context_.codecs[static_cast<std::size_t>(ServeProtocol::http1)]->onEvent(
      proxy::http::CodecEvent::malformedRequest);
  constexpr std::string_view kRefusal =
      "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
  static_cast<void>(co_await stream_.writeAll(
      {reinterpret_cast<const std::uint8_t*>(kRefusal.data()), kRefusal.size()}));
  co_await stream_.shutdownSend();
}

boost::asio::awaitable<void> ServeConnection::serve() {
  boost::system::error_code ignored;
  socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  const Sniffed sniffed = co_await sniff();
  if (sniffed == Sniffed::nothing || aborted_)
    co_return;
  if (sniffed == Sniffed::notHttp) {
    co_await refuseNotHttp();
    co_return;
  }
  const auto protocol = sniffed == Sniffed::http2 ? ServeProtocol::http2 : ServeProtocol::http1;
  const std::size_t shard = context_.worker->index();
  const auto& settings = *context_.settings;
  auto& observer = *context_.codecs[static_cast<std::size_t>(protocol)];
  if (protocol == ServeProtocol::http2) {
    codec_ =
        std::make_unique<proxy::http::Http2ServerConnection>(stream_, settings, observer, read_);
    // Drained before it started: the GOAWAY leaves at once, the streams that came with the
    // preface are still served.
    if (draining_)
      codec_->drain();
  } else {
    codec_ =
        std::make_unique<proxy::http::Http1ServerConnection>(stream_, settings, observer, read_);
  }
  read_ = {};
  context_.metrics->connection(protocol, shard);
  const auto end = co_await codec_->serve(
      [this, served = protocol,
       shard](proxy::http::ServerStream& request) -> boost::asio::awaitable<void> {
        // HTTP/1 drained before its first request arrived: that one is answered, with
        // `Connection: close` (an HTTP/1 drain before serve() would drop it unanswered).
        if (draining_)
          codec_->drain();
        context_.metrics->request(served, shard);
        co_await context_.handler->serve(request, shard);
      });
  if (end == proxy::http::ServerConnectionEnd::refused)
    spdlog::debug("{} connection from {} refused by the codec", serveProtocolName(protocol),
                  formatSocketAddress(socket_.remote_endpoint(ignored)));
}

}  // namespace wasmesh::app
