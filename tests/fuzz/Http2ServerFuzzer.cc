// libFuzzer target for the HTTP/2 server codec (proxy/http, nghttp2 underneath): raw client
// bytes into an Http2ServerConnection whose handlers read bodies and answer with bodies and
// trailers. Besides "no crash, no UB, no leak" (ASan, UBSan), it checks that serve() always
// returns once the input is over, that every handler returned, and that what the codec
// wrote is a well-formed sequence of frames beginning with its SETTINGS; it traps when any
// fails.
//
// Input: the first byte steers the harness (bit 0: prepend the client connection preface, so
// most inputs reach frame parsing; bits 1-7: the size of each read the codec is given, so
// frame boundaries fall everywhere), the rest is what the client sends.
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/Http2ServerConnection.h"

namespace {

using wasmesh::proxy::ByteStream;
using wasmesh::proxy::http::BodyChunk;
using wasmesh::proxy::http::CodecEvent;
using wasmesh::proxy::http::CodecObserver;
using wasmesh::proxy::http::HeaderMap;
using wasmesh::proxy::http::Http2ServerConnection;
using wasmesh::proxy::http::HttpSettings;
using wasmesh::proxy::http::ResponseHead;
using wasmesh::proxy::http::ServerConnectionEnd;
using wasmesh::proxy::http::ServerStream;

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

void check(bool condition) {
  if (!condition)
    __builtin_trap();
}

// The client's bytes in pieces of `step`, then the end of the stream; what the codec
// writes is kept.
class ScriptedStream final : public ByteStream {
 public:
  ScriptedStream(boost::asio::io_context& context, std::span<const std::uint8_t> input,
                 std::size_t step)
      : socket_(context), input_(input), step_(step) {}

  std::size_t readSome(std::span<std::uint8_t> into, boost::system::error_code& error) override {
    if (input_.empty()) {
      error = boost::asio::error::eof;
      return 0;
    }
    const auto count = std::min({into.size(), input_.size(), step_});
    std::copy_n(input_.begin(), count, into.begin());
    input_ = input_.subspan(count);
    error.clear();
    return count;
  }
  boost::asio::awaitable<boost::system::error_code> waitToRead() override {
    co_return boost::system::error_code{};
  }
  boost::asio::awaitable<boost::system::error_code> writeAll(
      std::span<const std::uint8_t> bytes) override {
    written_.insert(written_.end(), bytes.begin(), bytes.end());
    co_return boost::system::error_code{};
  }
  boost::asio::awaitable<void> shutdownSend() override { co_return; }
  boost::asio::ip::tcp::socket& socket() noexcept override { return socket_; }

  const std::vector<std::uint8_t>& written() const { return written_; }

 private:
  boost::asio::ip::tcp::socket socket_;  // never opened: options on it fail quietly
  std::span<const std::uint8_t> input_;
  std::size_t step_;
  std::vector<std::uint8_t> written_;
};

class IgnoringObserver final : public CodecObserver {
 public:
  void onEvent(CodecEvent /*event*/) override {}
};

boost::asio::awaitable<void> answer(ServerStream& stream, int& running) {
  ++running;
  std::size_t received = 0;
  while (true) {
    auto chunk = co_await stream.readBody();
    if (!chunk)
      break;
    received += chunk->data.size();
    if (chunk->end)
      break;
  }
  if (stream.request().expectContinue) {
    ResponseHead proceed;
    proceed.status = 100;
    co_await stream.sendInformational(proceed);
  }
  ResponseHead head;
  head.headers.add("x-received", std::to_string(received));
  if (co_await stream.sendHeaders(head, stream.request().method == "HEAD")) {
    static constexpr std::array<std::uint8_t, 5> kBody{'h', 'e', 'l', 'l', 'o'};
    co_await stream.sendData(kBody, false);
    HeaderMap trailers;
    trailers.add("x-done", "1");
    co_await stream.sendTrailers(trailers);
  }
  --running;
}

boost::asio::awaitable<void> serve(Http2ServerConnection& connection,
                                   std::optional<ServerConnectionEnd>& end, int& running) {
  end = co_await connection.serve(
      [&running](ServerStream& request) { return answer(request, running); });
}

// Every frame the codec wrote is whole, no larger than the default maximum frame size, and
// the first is our SETTINGS (RFC 9113 section 3.4).
void checkFrames(const std::vector<std::uint8_t>& written) {
  std::size_t at = 0;
  bool first = true;
  while (at < written.size()) {
    check(written.size() - at >= 9);
    const std::size_t length =
        (std::size_t{written[at]} << 16) | (std::size_t{written[at + 1]} << 8) | written[at + 2];
    check(length <= 16'384);
    if (first)
      check(written[at + 3] == 0x4 && (written[at + 4] & 0x1) == 0);
    first = false;
    at += 9 + length;
    check(at <= written.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  const bool withPreface = (data[0] & 1) != 0;
  const std::size_t step = 1 + (data[0] >> 1) * 97;  // 1 .. 12320 bytes per read
  std::vector<std::uint8_t> input;
  if (withPreface)
    input.assign(kPreface.begin(), kPreface.end());
  input.insert(input.end(), data + 1, data + size);

  boost::asio::io_context context;
  ScriptedStream stream(context, input, step);
  IgnoringObserver observer;
  HttpSettings settings;
  settings.maxConcurrentStreams = 8;  // small limits reach the refusal paths sooner
  settings.maxHeaderListBytes = 4096;
  settings.maxHeaderCount = 16;
  std::optional<ServerConnectionEnd> end;
  int running = 0;
  {
    Http2ServerConnection connection(stream, settings, observer, {});
    boost::asio::co_spawn(context, serve(connection, end, running), boost::asio::detached);
    context.run();
    check(end.has_value());  // serve() returned once the input was over
    check(running == 0);     // and every handler with it
  }
  checkFrames(stream.written());
  return 0;
}
