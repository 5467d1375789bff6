#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <string>
#include <thread>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/http/Http1ResponseReader.h"
#include "wasmesh/proxy/http/Http1Writer.h"
#include "wasmesh/proxy/http/InputBuffer.h"

// How the HTTP/1 codec holds bytes: one deadline timer per input buffer re-armed lazily,
// Content-Length bodies handed out from the input buffer, large bodies written in place.
namespace wasmesh::proxy::http {
namespace {

using boost::asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// The codec's end of a TCP connection runs on its own thread; the test holds the peer's
// end as a blocking socket.
class Http1BufferingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp::acceptor acceptor(context_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    peer_.connect(acceptor.local_endpoint());
    codecSide_ = acceptor.accept();
  }

  void TearDown() override {
    context_.stop();
    if (thread_.joinable())
      thread_.join();
  }

  template <typename Body>
  auto run(Body body) {
    auto done = boost::asio::co_spawn(context_, body(), boost::asio::use_future);
    thread_ = std::thread([this] { context_.run(); });
    if (done.wait_for(20s) != std::future_status::ready) {
      // A wait that never ends (a deadline that never fired) fails here rather than hanging.
      ADD_FAILURE() << "the codec did not finish within 20 s";
      context_.stop();
      thread_.join();
      return decltype(done.get()){};
    }
    return done.get();
  }

  void send(std::string_view bytes) {
    boost::asio::write(peer_, boost::asio::buffer(bytes.data(), bytes.size()));
  }

  std::string receive(std::size_t count) {
    std::string got(count, '\0');
    boost::asio::read(peer_, boost::asio::buffer(got));
    return got;
  }

  boost::asio::io_context context_;
  boost::asio::io_context blockingContext_;
  tcp::socket peer_{blockingContext_};
  tcp::socket codecSide_{context_};
  std::thread thread_;
};

TEST_F(Http1BufferingTest, TheDeadlineStillFiresAfterManyReadsOnOneConnection) {
  // One byte at a time with pauses, so the codec waits (and moves its deadline) many times.
  auto trickle = std::async(std::launch::async, [this] {
    for (int round = 0; round < 200; ++round) {
      send("x");
      std::this_thread::sleep_for(1ms);
    }
  });
  const auto outcome = run([this]() -> boost::asio::awaitable<std::pair<std::size_t, errc>> {
    PlainStream stream(codecSide_);
    InputBuffer input(stream, 64 * 1024);
    std::size_t seen = 0;
    // Many waits, each with its own (later) deadline, as a kept-alive connection does.
    while (seen < 200) {
      const auto error = co_await input.fill(Clock::now() + 5s);
      if (error)
        co_return std::pair{seen, errc::http_malformed_message};
      seen += input.data().size();
      input.consume(input.data().size());
    }
    const auto error = co_await input.fill(Clock::now() + 200ms);
    co_return std::pair{seen, error == make_error_code(errc::http_header_timeout)
                                  ? errc::http_header_timeout
                                  : errc::http_malformed_message};
  });
  trickle.get();
  EXPECT_EQ(outcome.first, 200U);
  EXPECT_EQ(outcome.second, errc::http_header_timeout);
}

TEST_F(Http1BufferingTest, AnEarlierDeadlineThatPassedDoesNotEndALaterWait) {
  // The timer armed for the first wait's short deadline fires during the second wait, whose
  // deadline is later: the second wait must go on and see the bytes.
  auto late = std::async(std::launch::async, [this] {
    std::this_thread::sleep_for(300ms);
    send("late");
  });
  send("a");
  const auto got = run([this]() -> boost::asio::awaitable<std::string> {
    PlainStream stream(codecSide_);
    InputBuffer input(stream, 64 * 1024);
    if (co_await input.fill(Clock::now() + 100ms))
      co_return "first fill failed";
    input.consume(input.data().size());
    if (const auto error = co_await input.fill(Clock::now() + 5s))
      co_return "second fill: " + error.message();
    co_return std::string(input.data().begin(), input.data().end());
  });
  late.get();
  EXPECT_EQ(got, "late");
}

TEST_F(Http1BufferingTest, ALargeContentLengthBodyArrivesWholeAndTheConnectionIsReused) {
  constexpr std::size_t kBodyBytes = 300 * 1000;
  std::string body(kBodyBytes, '\0');
  for (std::size_t i = 0; i < body.size(); ++i)
    body[i] = static_cast<char>('a' + i % 26);
  auto upstream = std::async(std::launch::async, [&] {
    send("HTTP/1.1 200 OK\r\ncontent-length: " + std::to_string(kBodyBytes) + "\r\n\r\n" + body +
         "HTTP/1.1 204 No Content\r\nx-second: yes\r\n\r\n");
  });
  struct Outcome {
    std::string firstBody;
    bool firstKeepAlive = false;
    unsigned secondStatus = 0;
    bool secondDone = false;
  };
  const auto outcome = run([this]() -> boost::asio::awaitable<Outcome> {
    PlainStream stream(codecSide_);
    InputBuffer input(stream, 64 * 1024);
    const HttpSettings settings;
    Outcome result;
    Http1ResponseReader first(settings, false);
    if (!co_await first.readHead(input, Clock::now() + 10s))
      co_return result;
    while (!first.done()) {
      auto chunk = co_await first.readBody(input, Clock::now() + 10s);
      if (!chunk)
        co_return result;
      result.firstBody.append(chunk->data.begin(), chunk->data.end());
      if (chunk->end)
        break;
    }
    first.releaseBody(input);
    result.firstKeepAlive = first.keepAlive();
    Http1ResponseReader second(settings, false);
    auto head = co_await second.readHead(input, Clock::now() + 10s);
    if (head && head->headers.get("x-second") == "yes")
      result.secondStatus = head->status;
    result.secondDone = second.done();
    co_return result;
  });
  upstream.get();
  EXPECT_EQ(outcome.firstBody.size(), kBodyBytes);
  EXPECT_TRUE(outcome.firstBody == body);
  EXPECT_TRUE(outcome.firstKeepAlive);
  EXPECT_EQ(outcome.secondStatus, 204U);
  EXPECT_TRUE(outcome.secondDone);
}

RequestHead getRequest() {
  RequestHead request;
  request.method = "GET";
  request.path = "/";
  request.authority = "example";
  return request;
}

TEST_F(Http1BufferingTest, LargeBodiesAreWrittenExactlyWithTheirFraming) {
  const std::string large(10000, 'L');
  const std::string small = "tiny";
  const auto written = run([&]() -> boost::asio::awaitable<bool> {
    PlainStream stream(codecSide_);
    Http1Writer chunked(stream);
    ResponseHead head;
    bool ok =
        static_cast<bool>(co_await chunked.writeResponseHead(head, getRequest(), false, true));
    ok = ok && co_await chunked.writeData(
                   {reinterpret_cast<const std::uint8_t*>(large.data()), large.size()}, false);
    ok = ok && co_await chunked.writeData(
                   {reinterpret_cast<const std::uint8_t*>(small.data()), small.size()}, true);
    ok = ok && chunked.complete();
    Http1Writer sized(stream);
    ResponseHead sizedHead;
    sizedHead.contentLength = large.size();
    ok = ok && co_await sized.writeResponseHead(sizedHead, getRequest(), false, true);
    ok = ok && co_await sized.writeData(
                   {reinterpret_cast<const std::uint8_t*>(large.data()), large.size()}, true);
    co_return ok&& sized.complete();
  });
  EXPECT_TRUE(written);
  const std::string expected = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2710\r\n" +
                               large + "\r\n4\r\ntiny\r\n0\r\n\r\n" +
                               "HTTP/1.1 200 OK\r\ncontent-length: 10000\r\n\r\n" + large;
  EXPECT_EQ(receive(expected.size()), expected);
}

}  // namespace
}  // namespace wasmesh::proxy::http
