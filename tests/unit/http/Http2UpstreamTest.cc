// The HTTP/2 client codec against an upstream played with raw frames: GOAWAY and
// REFUSED_STREAM make streams retryable, a broken response fails only its own stream, and
// a hostile upstream is cut off like a hostile client.
#include <gtest/gtest.h>

#include "RawHttp2.h"

namespace wasmesh::proxy::http::test {
namespace {

using boost::asio::awaitable;
using frames::append;

constexpr auto kWait = std::chrono::seconds(20);

Bytes response(HpackEncoder& encoder, std::uint32_t stream, const Fields& fields, bool end) {
  return frames::headers(stream, encoder.encode(fields), end);
}

TEST(Http2Upstream, GoawayRefusesTheStreamsAboveItsLastOne) {
  RawServerHarness upstream;
  upstream.handshake();
  std::optional<unsigned> first;
  boost::system::error_code second;
  bool availableAfter = true;
  auto done = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    auto one = (co_await client.startRequest(requestFor("GET", "/one"), true)).value();
    auto three = (co_await client.startRequest(requestFor("GET", "/three"), true)).value();
    const auto head = co_await one->readHeaders();
    if (head)
      first = head->status;
    second = (co_await three->readHeaders()).error();
    availableAfter = client.available();
  });
  upstream.awaitRequests({1, 3});
  Bytes answer = frames::goaway(1, NGHTTP2_NO_ERROR);
  append(answer, response(upstream.encoder(), 1, {{":status", "200"}}, true));
  upstream.wire().send(answer);
  ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
  done.get();
  EXPECT_EQ(first, 200U) << "stream 1 is at or below the last stream: it completes";
  EXPECT_EQ(second, errc::http_stream_refused) << "stream 3 was not processed: retryable";
  EXPECT_FALSE(availableAfter);
}

TEST(Http2Upstream, RefusedStreamIsRetryableAndAResetIsNot) {
  RawServerHarness upstream;
  upstream.handshake();
  boost::system::error_code refused;
  boost::system::error_code cancelled;
  bool availableAfter = false;
  auto done = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    auto one = (co_await client.startRequest(requestFor(), true)).value();
    auto three = (co_await client.startRequest(requestFor(), true)).value();
    refused = (co_await one->readHeaders()).error();
    cancelled = (co_await three->readHeaders()).error();
    availableAfter = client.available();
  });
  upstream.awaitRequests({1, 3});
  Bytes answer = frames::rstStream(1, NGHTTP2_REFUSED_STREAM);
  append(answer, frames::rstStream(3, NGHTTP2_INTERNAL_ERROR));
  upstream.wire().send(answer);
  ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
  done.get();
  EXPECT_EQ(refused, errc::http_stream_refused);
  EXPECT_EQ(cancelled, errc::http_stream_reset);
  EXPECT_TRUE(availableAfter) << "stream resets leave the connection usable";
}

TEST(Http2Upstream, MalformedResponseFailsOnlyItsStream) {
  RawServerHarness upstream;
  upstream.handshake();
  boost::system::error_code broken;
  std::optional<unsigned> fine;
  auto done = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    auto one = (co_await client.startRequest(requestFor(), true)).value();
    auto three = (co_await client.startRequest(requestFor(), true)).value();
    broken = (co_await one->readHeaders()).error();
    const auto head = co_await three->readHeaders();
    if (head)
      fine = head->status;
  });
  upstream.awaitRequests({1, 3});
  Bytes answer = response(upstream.encoder(), 1, {{":status", "200"}, {"X-Upper", "1"}}, true);
  append(answer, response(upstream.encoder(), 3, {{":status", "204"}}, true));
  upstream.wire().send(answer);
  ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
  done.get();
  EXPECT_TRUE(broken) << "an upper-case field name is malformed (RFC 9113 section 8.2.1)";
  EXPECT_EQ(fine, 204U);
  const auto reset = upstream.wire().awaitStreamEnd(1);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->type, NGHTTP2_RST_STREAM);
  EXPECT_EQ(upstream.events().count(CodecEvent::streamProtocolError), 1);
}

TEST(Http2Upstream, ResponseHeadersOverTheLimit) {
  RawServerHarness upstream;
  upstream.handshake();
  boost::system::error_code error;
  auto done = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    auto one = (co_await client.startRequest(requestFor(), true)).value();
    error = (co_await one->readHeaders()).error();
  });
  upstream.awaitRequests({1});
  Fields big{{":status", "200"}};
  for (int i = 0; i < 8; ++i)
    big.emplace_back("x-big-" + std::to_string(i), std::string(9000, 'v'));
  const auto block = upstream.encoder().encode(big);
  Bytes answer = frames::headers(1, Bytes(block.begin(), block.begin() + 16000), true, false);
  for (std::size_t at = 16000; at < block.size(); at += 16000) {
    const auto stop = std::min(block.size(), at + 16000);
    append(answer, frames::continuation(1,
                                        Bytes(block.begin() + static_cast<long>(at),
                                              block.begin() + static_cast<long>(stop)),
                                        stop == block.size()));
  }
  upstream.wire().send(answer);
  ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
  done.get();
  EXPECT_EQ(error, errc::http_headers_too_large);
  EXPECT_EQ(upstream.events().count(CodecEvent::headersTooLarge), 1);
  const auto reset = upstream.wire().awaitStreamEnd(1);
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->type, NGHTTP2_RST_STREAM);
  EXPECT_EQ(reset->errorCode(), NGHTTP2_CANCEL);
}

TEST(Http2Upstream, FloodingUpstreamIsCutOff) {
  RawServerHarness upstream;
  upstream.handshake();
  Bytes flood;
  for (int i = 0; i < 3000; ++i)
    append(flood, frames::ping());
  upstream.wire().send(flood);
  const auto goaway = upstream.wire().awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(upstream.events().count(CodecEvent::controlFrameFlood), 1);
  auto closed = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    EXPECT_TRUE(co_await eventually([&] { return client.closed(); }));
    EXPECT_FALSE(client.available());
  });
  ASSERT_EQ(closed.wait_for(kWait), std::future_status::ready);
  closed.get();
}

TEST(Http2Upstream, UpstreamThatClosesMidResponse) {
  RawServerHarness upstream;
  upstream.handshake();
  CollectedBody body;
  bool closedAfter = false;
  auto done = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    auto one = (co_await client.startRequest(requestFor(), true)).value();
    EXPECT_TRUE(co_await one->readHeaders());
    body = co_await collect([&] { return one->readBody(); });
    closedAfter = co_await eventually([&] { return client.closed(); });
  });
  upstream.awaitRequests({1});
  Bytes answer = response(upstream.encoder(), 1, {{":status", "200"}}, false);
  append(answer, frames::data(1, "partial", false));
  upstream.wire().send(answer);
  upstream.closeSocket();
  ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
  done.get();
  EXPECT_EQ(body.error, errc::http_connection_closed);
  EXPECT_TRUE(closedAfter);
}

TEST(Http2Upstream, ClientRespectsTheUpstreamsStreamLimit) {
  RawServerHarness upstream;
  upstream.handshake({{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1}});
  upstream.wire().readUntil([](const ParsedFrame& f) {
    return f.type == NGHTTP2_SETTINGS && f.flags == NGHTTP2_FLAG_ACK;
  });
  bool availableWithOne = true;
  boost::system::error_code second;
  auto done = upstream.client([&](Http2ClientConnection& client) -> awaitable<void> {
    auto one = (co_await client.startRequest(requestFor(), true)).value();
    availableWithOne = client.available();
    second = (co_await client.startRequest(requestFor(), true)).error();
  });
  ASSERT_EQ(done.wait_for(kWait), std::future_status::ready);
  done.get();
  EXPECT_FALSE(availableWithOne);
  EXPECT_EQ(second, errc::http_upstream_unavailable);
}

}  // namespace
}  // namespace wasmesh::proxy::http::test
