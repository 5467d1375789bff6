// libFuzzer target for the HTTP/1 server codec: raw client bytes into Http1ServerConnection
// (over an in-memory stream), with a handler that reads each request's body to its end and
// answers 200. Besides no crash and no UB, it checks what the proxy relies on: a refused
// request is never handed to the handler, every handed request has a well-formed head, and
// the bytes written back start with an HTTP/1 status line.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/HeaderRules.h"
#include "wasmesh/proxy/http/Http1ServerConnection.h"

namespace {

using namespace std::chrono_literals;  // NOLINT: a fuzz target, not a header

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

// The client's bytes, then its end; what the codec writes is kept.
class MemoryStream final : public wasmesh::proxy::ByteStream {
 public:
  MemoryStream(boost::asio::io_context& context, std::span<const std::uint8_t> input)
      : socket_(context), input_(input) {}

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override {
    if (offset_ == input_.size()) {
      error = boost::asio::error::eof;
      return 0;
    }
    // Small, uneven reads: the parser must cope with any split.
    const auto count = std::min({into.size(), input_.size() - offset_, 1 + offset_ % 97});
    std::copy_n(input_.begin() + static_cast<std::ptrdiff_t>(offset_), count, into.begin());
    offset_ += count;
    error = {};
    return count;
  }
  boost::asio::awaitable<boost::system::error_code> waitToRead() override {
    co_return boost::system::error_code{};
  }
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override {
    written.insert(written.end(), bytes.begin(), bytes.end());
    co_return boost::system::error_code{};
  }
  boost::asio::awaitable<void> shutdownSend() override { co_return; }
  boost::asio::ip::tcp::socket& socket() noexcept override { return socket_; }

  std::string written;

 private:
  boost::asio::ip::tcp::socket socket_;
  std::span<const std::uint8_t> input_;
  std::size_t offset_ = 0;
};

class Observer final : public wasmesh::proxy::http::CodecObserver {
 public:
  void onEvent(wasmesh::proxy::http::CodecEvent) override { ++events; }
  int events = 0;
};

// Named coroutines, not lambdas: GCC 12 mangles two coroutine lambdas in an extern "C"
// function to the same symbol.
boost::asio::awaitable<void> handle(wasmesh::proxy::http::ServerStream& request) {
  using namespace wasmesh::proxy::http;  // NOLINT
  const auto& head = request.request();
  check(isValidMethod(head.method));
  check(!head.path.empty());
  for (const auto& [name, value] : head.headers) {
    check(isValidFieldName(name));
    check(isValidFieldValue(value));
    check(name != "transfer-encoding" && name != "connection");
  }
  std::size_t bodyBytes = 0;
  while (true) {
    auto chunk = co_await request.readBody();
    if (!chunk)
      co_return;
    bodyBytes += chunk->data.size();
    if (head.contentLength)
      check(bodyBytes <= *head.contentLength);
    if (chunk->end)
      break;
  }
  ResponseHead response;
  static_cast<void>(co_await request.sendHeaders(response, true));
}

boost::asio::awaitable<void> serve(wasmesh::proxy::http::Http1ServerConnection& connection) {
  co_await connection.serve(handle);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace wasmesh::proxy::http;  // NOLINT
  boost::asio::io_context context;
  MemoryStream stream(context, {data, size});
  HttpSettings settings;
  settings.maxHeaderListBytes = 4096;
  settings.maxStartLineBytes = 1024;
  settings.requestHeaderTimeout = 1s;
  settings.idleTimeout = 1s;
  Observer observer;
  Http1ServerConnection connection(stream, settings, observer, {});
  boost::asio::co_spawn(context, serve(connection), boost::asio::detached);
  context.run();
  if (!stream.written.empty())
    check(stream.written.rfind("HTTP/1.", 0) == 0);
  return 0;
}
