// Exchanges between the HTTP/2 client codec and the HTTP/2 server codec, over plain TCP and
// over mesh TLS: heads, bodies, trailers, 1xx, bodiless responses, resets, drain, abort.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "Http2TestSupport.h"

namespace wasmesh::proxy::http::test {
namespace {

using boost::asio::awaitable;

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class Http2ExchangeTest : public ::testing::TestWithParam<bool> {
 protected:
  CodecPair pair_{GetParam()};
};

TEST_P(Http2ExchangeTest, GetGetsItsResponse) {
  std::optional<RequestHead> seen;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    seen = stream.request();
    const auto body = co_await collect([&] { return stream.readBody(); });
    EXPECT_TRUE(body.data.empty());
    ResponseHead head;
    head.status = 200;
    head.headers.add("content-type", "text/plain");
    head.headers.add("content-length", "5");
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    EXPECT_TRUE(co_await stream.sendData(bytes("hello"), true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      EXPECT_EQ(client.version(), Version::http2);
      EXPECT_TRUE(client.available());
      auto request = requestFor("GET", "/a?b=c");
      request.headers.add("accept", "*/*");
      request.headers.add("connection", "keep-alive");  // HTTP/1-only: never sent
      auto stream = co_await client.startRequest(request, true);
      EXPECT_TRUE(stream.has_value());
      if (!stream)
        co_return;
      auto head = co_await (*stream)->readHeaders();
      EXPECT_TRUE(head.has_value());
      if (!head)
        co_return;
      EXPECT_EQ(head->status, 200U);
      EXPECT_EQ(head->version, Version::http2);
      EXPECT_EQ(head->contentLength, 5U);
      EXPECT_EQ(head->headers.get("content-type"), "text/plain");
      const auto body = co_await collect([&] { return (*stream)->readBody(); });
      EXPECT_FALSE(body.error);
      EXPECT_EQ(body.data, "hello");
    });
  });
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->method, "GET");
  EXPECT_EQ(seen->scheme, "http");
  EXPECT_EQ(seen->authority, "web.test:8080");
  EXPECT_EQ(seen->path, "/a?b=c");
  EXPECT_EQ(seen->version, Version::http2);
  EXPECT_FALSE(seen->hasBody);
  EXPECT_EQ(seen->headers.get("accept"), "*/*");
  EXPECT_FALSE(seen->headers.contains("connection"));
  EXPECT_EQ(pair_.serverEnd(), ServerConnectionEnd::closed);
  EXPECT_EQ(pair_.serverEvents().total(), 0);
  EXPECT_EQ(pair_.clientEvents().total(), 0);
}

TEST_P(Http2ExchangeTest, TrailersTravelBothWays) {
  std::optional<HeaderMap> requestTrailers;
  std::string requestBody;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    EXPECT_TRUE(stream.request().hasBody);
    auto body = co_await collect([&] { return stream.readBody(); });
    requestBody = body.data;
    requestTrailers = std::move(body.trailers);
    ResponseHead head;
    head.headers.add("content-type", "application/grpc");
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    EXPECT_TRUE(co_await stream.sendData(bytes("reply"), false));
    HeaderMap trailers;
    trailers.add("grpc-status", "0");
    trailers.add("grpc-message", "fine");
    EXPECT_TRUE(co_await stream.sendTrailers(trailers));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto request = requestFor("POST", "/pkg.Service/Call");
      request.headers.add("te", "trailers");
      auto stream = (co_await client.startRequest(request, false)).value();
      EXPECT_TRUE(co_await stream->sendData(bytes("request"), false));
      HeaderMap trailers;
      trailers.add("x-checksum", "abc");
      EXPECT_TRUE(co_await stream->sendTrailers(trailers));
      const auto head = (co_await stream->readHeaders()).value();
      EXPECT_EQ(head.status, 200U);
      const auto body = co_await collect([&] { return stream->readBody(); });
      EXPECT_FALSE(body.error);
      EXPECT_EQ(body.data, "reply");
      EXPECT_TRUE(body.trailers.has_value());
      if (body.trailers) {
        EXPECT_EQ(body.trailers->get("grpc-status"), "0");
        EXPECT_EQ(body.trailers->get("grpc-message"), "fine");
      }
    });
  });
  EXPECT_EQ(requestBody, "request");
  ASSERT_TRUE(requestTrailers.has_value());
  EXPECT_EQ(requestTrailers->get("x-checksum"), "abc");
}

TEST_P(Http2ExchangeTest, InformationalHeadsComeBeforeTheFinalOne) {
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    EXPECT_TRUE(stream.request().expectContinue);
    ResponseHead early;
    early.status = 103;
    early.headers.add("link", "</style.css>; rel=preload");
    EXPECT_TRUE(co_await stream.sendInformational(early));
    ResponseHead proceed;
    proceed.status = 100;
    EXPECT_TRUE(co_await stream.sendInformational(proceed));
    const auto body = co_await collect([&] { return stream.readBody(); });
    EXPECT_EQ(body.data, "payload");
    ResponseHead switching;
    switching.status = 101;
    EXPECT_FALSE(co_await stream.sendInformational(switching)) << "no 101 in HTTP/2";
    ResponseHead created;
    created.status = 201;
    EXPECT_TRUE(co_await stream.sendHeaders(created, true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto request = requestFor("PUT", "/upload");
      request.headers.add("expect", "100-continue");
      auto stream = (co_await client.startRequest(request, false)).value();
      const auto first = (co_await stream->readHeaders()).value();
      EXPECT_EQ(first.status, 103U);
      EXPECT_EQ(first.headers.get("link"), "</style.css>; rel=preload");
      const auto second = (co_await stream->readHeaders()).value();
      EXPECT_EQ(second.status, 100U);
      EXPECT_TRUE(co_await stream->sendData(bytes("payload"), true));
      const auto final = (co_await stream->readHeaders()).value();
      EXPECT_EQ(final.status, 201U);
      const auto body = co_await collect([&] { return stream->readBody(); });
      EXPECT_FALSE(body.error);
      EXPECT_TRUE(body.data.empty());
    });
  });
}

TEST_P(Http2ExchangeTest, HeadAnd204And304HaveNoBody) {
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    ResponseHead head;
    head.status = stream.request().path == "/204"   ? 204
                  : stream.request().path == "/304" ? 304
                                                    : 200;
    head.headers.add("content-length", "10");
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    // What a router relays from an HTTP/1 upstream that (wrongly) sent a body anyway.
    EXPECT_TRUE(co_await stream.sendData(bytes("0123456789"), true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      for (const auto& [method, path, status] :
           {std::tuple{"HEAD", "/", 200U}, {"GET", "/204", 204U}, {"GET", "/304", 304U}}) {
        auto stream = (co_await client.startRequest(requestFor(method, path), true)).value();
        const auto head = (co_await stream->readHeaders()).value();
        EXPECT_EQ(head.status, status);
        const auto body = co_await collect([&] { return stream->readBody(); });
        EXPECT_FALSE(body.error) << method << " " << path << ": " << body.error.message();
        EXPECT_TRUE(body.data.empty());
      }
    });
  });
  EXPECT_EQ(pair_.clientEvents().total(), 0) << "nghttp2's content-length checks must pass";
}

TEST_P(Http2ExchangeTest, ClientResetReachesTheHandlerAndSparesOtherStreams) {
  bool handlerSawReset = false;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    if (stream.request().path == "/upload") {
      const auto body = co_await collect([&] { return stream.readBody(); });
      handlerSawReset = body.error == errc::http_stream_reset;
      co_return;
    }
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    EXPECT_TRUE(co_await stream.sendData(bytes("ok"), true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto upload = (co_await client.startRequest(requestFor("POST", "/upload"), false)).value();
      EXPECT_TRUE(co_await upload->sendData(bytes("partial"), false));
      upload->reset();
      EXPECT_FALSE(co_await upload->sendData(bytes("more"), true));
      EXPECT_TRUE(co_await eventually([&] { return handlerSawReset; }));
      auto other = (co_await client.startRequest(requestFor(), true)).value();
      EXPECT_EQ((co_await other->readHeaders()).value().status, 200U);
      EXPECT_EQ((co_await collect([&] { return other->readBody(); })).data, "ok");
    });
  });
  EXPECT_TRUE(handlerSawReset);
}

TEST_P(Http2ExchangeTest, HandlerResetReachesTheClient) {
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    if (stream.request().path == "/midway") {
      ResponseHead head;
      EXPECT_TRUE(co_await stream.sendHeaders(head, false));
      EXPECT_TRUE(co_await stream.sendData(bytes("half"), false));
    }
    stream.reset(stream.request().path == "/cancel");
    co_return;
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto before = (co_await client.startRequest(requestFor("GET", "/cancel"), true)).value();
      EXPECT_EQ((co_await before->readHeaders()).error(), errc::http_stream_reset);
      auto midway = (co_await client.startRequest(requestFor("GET", "/midway"), true)).value();
      EXPECT_EQ((co_await midway->readHeaders()).value().status, 200U);
      const auto body = co_await collect([&] { return midway->readBody(); });
      EXPECT_EQ(body.error, errc::http_stream_reset);
      EXPECT_TRUE(client.available()) << "a reset stream leaves the connection usable";
    });
  });
}

TEST_P(Http2ExchangeTest, HandlerThatReturnsEarlyResetsItsStream) {
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    co_return;  // a bug in a handler: the response is never finished
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto stream = (co_await client.startRequest(requestFor(), true)).value();
      EXPECT_TRUE(co_await stream->readHeaders());
      EXPECT_EQ((co_await collect([&] { return stream->readBody(); })).error,
                errc::http_stream_reset);
    });
  });
}

TEST_P(Http2ExchangeTest, DrainLetsStreamsInFlightFinishAndRefusesNewOnes) {
  bool release = false;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    co_await eventually([&] { return release; });
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    EXPECT_TRUE(co_await stream.sendData(bytes("finished"), true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto inFlight = (co_await client.startRequest(requestFor(), true)).value();
      EXPECT_TRUE(co_await eventually([&] { return pair_.server() != nullptr; }));
      co_await sleepFor(std::chrono::milliseconds(20));  // let the request reach the server
      pair_.server()->drain();
      EXPECT_TRUE(co_await eventually([&] { return !client.available(); }))
          << "GOAWAY must make the connection unavailable";
      EXPECT_TRUE(client.closed());
      EXPECT_EQ((co_await client.startRequest(requestFor(), true)).error(),
                errc::http_upstream_unavailable);
      release = true;
      EXPECT_EQ((co_await inFlight->readHeaders()).value().status, 200U);
      EXPECT_EQ((co_await collect([&] { return inFlight->readBody(); })).data, "finished");
      EXPECT_TRUE(co_await eventually([&] { return pair_.serverEnd().has_value(); }));
    });
  });
  EXPECT_EQ(pair_.serverEnd(), ServerConnectionEnd::closed);
}

TEST_P(Http2ExchangeTest, AbortFailsEveryPendingOperation) {
  bool readFailed = false;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    const auto body = co_await collect([&] { return stream.readBody(); });
    readFailed = body.error == errc::http_connection_closed;
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair_.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto stream = (co_await client.startRequest(requestFor("POST", "/"), false)).value();
      EXPECT_TRUE(co_await stream->sendData(bytes("some"), false));
      EXPECT_TRUE(co_await eventually([&] { return pair_.server() != nullptr; }));
      co_await sleepFor(std::chrono::milliseconds(20));
      pair_.server()->abort();
      EXPECT_TRUE(co_await eventually([&] { return pair_.serverEnd().has_value(); }));
      const auto head = co_await stream->readHeaders();
      EXPECT_FALSE(head.has_value());
      EXPECT_TRUE(client.closed());
    });
  });
  EXPECT_TRUE(readFailed);
  EXPECT_EQ(pair_.serverEnd(), ServerConnectionEnd::aborted);
}

std::string transportName(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "Tls" : "Plain";
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, Http2ExchangeTest, ::testing::Bool(), transportName);

}  // namespace
}  // namespace wasmesh::proxy::http::test
