// Flow control end to end between the HTTP/2 codecs: a reader that does not keep up holds
// the sender back by the stream window (and the connection window across streams), large
// bodies cross both ways intact, and many streams share one connection.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "Http2TestSupport.h"

namespace wasmesh::proxy::http::test {
namespace {

using boost::asio::awaitable;

constexpr std::size_t kStreamWindow = 65'535;
constexpr std::size_t kConnectionWindow = 1 << 20;
constexpr std::size_t kChunk = 16 * 1024;

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

class Http2FlowControlTest : public ::testing::TestWithParam<bool> {};

TEST_P(Http2FlowControlTest, LargeBodiesCrossBothWaysIntact) {
  CodecPair pair(GetParam());
  const auto upload = bodyPattern(4 << 20, 1);
  const auto download = bodyPattern(3 << 20, 2);
  std::string received;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    received = (co_await collect([&] { return stream.readBody(); })).data;
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    // One large write: the codec hands it to nghttp2 a frame at a time.
    EXPECT_TRUE(co_await stream.sendData(bytes(download), true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto stream = (co_await client.startRequest(requestFor("PUT", "/big"), false)).value();
      for (std::size_t at = 0; at < upload.size(); at += 100'000) {
        const auto piece = std::string_view(upload).substr(at, 100'000);
        EXPECT_TRUE(co_await stream->sendData(bytes(piece), at + piece.size() == upload.size()));
      }
      EXPECT_EQ((co_await stream->readHeaders()).value().status, 200U);
      const auto body = co_await collect([&] { return stream->readBody(); });
      EXPECT_FALSE(body.error);
      EXPECT_TRUE(body.data == download) << "got " << body.data.size() << " bytes";
    });
  });
  EXPECT_TRUE(received == upload) << "got " << received.size() << " bytes";
}

// The server sends as fast as it can; the client reads one piece, then dawdles. Whatever
// the server's sendData has finished must never be more than one stream window ahead of
// what the client's reader has taken: received bytes are acknowledged only as they are read.
TEST_P(Http2FlowControlTest, SlowClientReaderHoldsTheServerBack) {
  CodecPair pair(GetParam());
  const std::size_t total = 2 << 20;
  std::size_t sent = 0;
  std::size_t read = 0;
  std::size_t worstLead = 0;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    const auto chunk = bodyPattern(kChunk);
    while (sent < total) {
      EXPECT_TRUE(co_await stream.sendData(bytes(chunk), sent + kChunk == total));
      sent += kChunk;
      worstLead = std::max(worstLead, sent - read);
    }
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto stream = (co_await client.startRequest(requestFor(), true)).value();
      EXPECT_TRUE(co_await stream->readHeaders());
      while (true) {
        co_await sleepFor(std::chrono::milliseconds(2));
        auto chunk = co_await stream->readBody();
        EXPECT_TRUE(chunk.has_value());
        if (!chunk)
          co_return;
        EXPECT_LE(chunk->data.size(), kStreamWindow) << "more than a window held for the reader";
        read += chunk->data.size();
        if (chunk->end)
          break;
      }
    });
  });
  EXPECT_EQ(read, total);
  EXPECT_LE(worstLead, kStreamWindow) << "the sender ran ahead of the reader";
}

TEST(Http2FlowControl, MaxBufferedBodyBytesNarrowsTheStreamWindow) {
  HttpSettings narrow;
  narrow.maxBufferedBodyBytes = 16 * 1024;
  CodecPair pair(false, {}, narrow);
  const std::size_t total = 512 * 1024;
  std::size_t sent = 0;
  std::size_t read = 0;
  std::size_t worstLead = 0;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    const auto chunk = bodyPattern(1024);
    while (sent < total) {
      EXPECT_TRUE(co_await stream.sendData(bytes(chunk), sent + 1024 == total));
      sent += 1024;
      worstLead = std::max(worstLead, sent - read);
    }
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto stream = (co_await client.startRequest(requestFor(), true)).value();
      EXPECT_TRUE(co_await stream->readHeaders());
      while (true) {
        co_await sleepFor(std::chrono::milliseconds(1));
        auto chunk = co_await stream->readBody();
        EXPECT_TRUE(chunk.has_value());
        if (!chunk)
          co_return;
        read += chunk->data.size();
        if (chunk->end)
          break;
      }
    });
  });
  EXPECT_EQ(read, total);
  EXPECT_LE(worstLead, narrow.maxBufferedBodyBytes);
}

// The same the other way: a handler that reads the request body slowly holds the client's
// upload back.
TEST_P(Http2FlowControlTest, SlowHandlerHoldsTheClientBack) {
  CodecPair pair(GetParam());
  const std::size_t total = 2 << 20;
  std::size_t sent = 0;
  std::size_t read = 0;
  std::size_t worstLead = 0;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    while (true) {
      co_await sleepFor(std::chrono::milliseconds(2));
      auto chunk = co_await stream.readBody();
      EXPECT_TRUE(chunk.has_value());
      if (!chunk)
        co_return;
      read += chunk->data.size();
      if (chunk->end)
        break;
    }
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      auto stream = (co_await client.startRequest(requestFor("POST", "/"), false)).value();
      const auto chunk = bodyPattern(kChunk);
      while (sent < total) {
        EXPECT_TRUE(co_await stream->sendData(bytes(chunk), sent + kChunk == total));
        sent += kChunk;
        worstLead = std::max(worstLead, sent - read);
      }
      EXPECT_EQ((co_await stream->readHeaders()).value().status, 200U);
    });
  });
  EXPECT_EQ(read, total);
  EXPECT_LE(worstLead, kStreamWindow) << "the client ran ahead of the handler";
}

// Across streams the connection window binds: 32 downloads nobody reads stop, together, at
// one connection window (less than 32 stream windows).
TEST(Http2FlowControl, UnreadStreamsStopAtTheConnectionWindow) {
  CodecPair pair(false);
  constexpr int kStreams = 32;
  std::size_t sent = 0;
  int finished = 0;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    const auto chunk = bodyPattern(kChunk);
    for (std::size_t done = 0; done < 256 * 1024; done += kChunk) {
      if (!co_await stream.sendData(bytes(chunk), done + kChunk == 256 * 1024))
        break;
      sent += kChunk;
    }
    ++finished;
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      std::vector<std::unique_ptr<ClientStream>> streams;
      for (int i = 0; i < kStreams; ++i)
        streams.push_back((co_await client.startRequest(requestFor(), true)).value());
      // Let the senders run into the windows, then look: nothing finished, and no more was
      // sent than the connection window (plus one chunk per stream in flight).
      co_await sleepFor(std::chrono::milliseconds(300));
      EXPECT_EQ(finished, 0);
      EXPECT_LE(sent, kConnectionWindow + kStreams * kChunk);
      EXPECT_GT(sent, 0U);
      // Read them all at once, as a proxy does: one at a time would deadlock by design, the
      // unread streams' windows together being larger than the connection's.
      int complete = 0;
      auto drainOne = [&](ClientStream& stream) -> awaitable<void> {
        EXPECT_TRUE(co_await stream.readHeaders());
        const auto body = co_await collect([&] { return stream.readBody(); });
        EXPECT_EQ(body.data.size(), 256U * 1024);
        ++complete;
      };
      const auto executor = co_await boost::asio::this_coro::executor;
      for (auto& stream : streams)
        boost::asio::co_spawn(executor, drainOne(*stream), boost::asio::detached);
      EXPECT_TRUE(co_await eventually([&] { return complete == kStreams; }));
    });
  });
  EXPECT_EQ(finished, kStreams);
}

TEST_P(Http2FlowControlTest, ManyConcurrentStreamsShareTheConnection) {
  CodecPair pair(GetParam());
  constexpr int kStreams = 100;  // HttpSettings' maxConcurrentStreams
  int served = 0;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    const auto body = co_await collect([&] { return stream.readBody(); });
    ResponseHead head;
    head.headers.add("x-path", stream.request().path);
    EXPECT_TRUE(co_await stream.sendHeaders(head, false));
    EXPECT_TRUE(co_await stream.sendData(bytes(body.data), true));
    ++served;
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      // One exchange first, so the server's SETTINGS have arrived.
      auto first = (co_await client.startRequest(requestFor("POST", "/first"), true)).value();
      EXPECT_TRUE(co_await first->readHeaders());
      first.reset();
      std::vector<std::unique_ptr<ClientStream>> streams;
      for (int i = 0; i < kStreams; ++i) {
        EXPECT_TRUE(client.available()) << i;
        auto stream =
            co_await client.startRequest(requestFor("POST", "/" + std::to_string(i)), false);
        EXPECT_TRUE(stream.has_value());
        if (stream)
          streams.push_back(std::move(*stream));
      }
      EXPECT_FALSE(client.available()) << "the peer's MAX_CONCURRENT_STREAMS is reached";
      EXPECT_EQ((co_await client.startRequest(requestFor(), true)).error(),
                errc::http_upstream_unavailable);
      int done = 0;
      auto exchange = [&](ClientStream& stream, int i) -> awaitable<void> {
        const auto body = bodyPattern(50'000, static_cast<std::uint8_t>(i));
        EXPECT_TRUE(co_await stream.sendData(bytes(body), true));
        const auto head = (co_await stream.readHeaders()).value();
        EXPECT_EQ(head.headers.get("x-path"), "/" + std::to_string(i));
        EXPECT_TRUE((co_await collect([&] { return stream.readBody(); })).data == body);
        ++done;
      };
      const auto executor = co_await boost::asio::this_coro::executor;
      for (int i = 0; i < kStreams; ++i)
        boost::asio::co_spawn(executor, exchange(*streams[i], i), boost::asio::detached);
      EXPECT_TRUE(co_await eventually([&] { return done == kStreams; }));
      streams.clear();
      EXPECT_TRUE(co_await eventually([&] { return client.available(); }));
    });
  });
  EXPECT_EQ(served, kStreams + 1);
}

TEST(Http2FlowControl, ClientHonoursASmallerStreamLimit) {
  HttpSettings server;
  server.maxConcurrentStreams = 3;
  CodecPair pair(false, server);
  bool release = false;
  auto handler = [&](ServerStream& stream) -> awaitable<void> {
    co_await eventually([&] { return release; });
    ResponseHead head;
    EXPECT_TRUE(co_await stream.sendHeaders(head, true));
  };
  runCoroutine([&]() -> awaitable<void> {
    co_await pair.run(handler, [&](Http2ClientConnection& client) -> awaitable<void> {
      release = true;
      auto first = (co_await client.startRequest(requestFor(), true)).value();
      EXPECT_TRUE(co_await first->readHeaders());
      first.reset();
      release = false;
      std::vector<std::unique_ptr<ClientStream>> streams;
      for (int i = 0; i < 3; ++i)
        streams.push_back((co_await client.startRequest(requestFor(), true)).value());
      EXPECT_FALSE(client.available());
      release = true;
      for (auto& stream : streams)
        EXPECT_TRUE(co_await stream->readHeaders());
    });
  });
}

std::string transportName(const ::testing::TestParamInfo<bool>& param) {
  return param.param ? "Tls" : "Plain";
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, Http2FlowControlTest, ::testing::Bool(), transportName);

}  // namespace
}  // namespace wasmesh::proxy::http::test
