// What the HTTP/2 server codec answers to hostile and broken clients, written as raw frames:
// floods (CVE-2019-9512..9518, CVE-2023-44487, CVE-2024-27316), HPACK bombs, oversized and
// malformed header blocks, content-length lies, slow and silent peers. Each gets RFC 9113's
// answer, is reported to the observer, and leaves other connections (and, for stream
// errors, the connection itself) unaffected.
#include <gtest/gtest.h>

#include "RawHttp2.h"

namespace wasmesh::proxy::http::test {
namespace {

using frames::append;

Bytes repeated(const Bytes& one, int times) {
  Bytes out;
  for (int i = 0; i < times; ++i)
    append(out, one);
  return out;
}

// A GOAWAY with ENHANCE_YOUR_CALM, the event once, and serve() reporting a refusal.
void expectCalmedDown(RawClientHarness& harness, CodecEvent event) {
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value()) << "no GOAWAY";
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_ENHANCE_YOUR_CALM)
      << std::string(goaway->payload.begin() + 8, goaway->payload.end());
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::refused);
  EXPECT_EQ(harness.events().count(event), 1) << codecEventName(event);
}

TEST(Http2HostileInput, SettingsFlood) {
  RawClientHarness harness;
  harness.sendPreface();
  harness.send(repeated(frames::settings(), 3000));
  expectCalmedDown(harness, CodecEvent::controlFrameFlood);
}

TEST(Http2HostileInput, PingFlood) {
  RawClientHarness harness;
  harness.sendPreface();
  harness.send(repeated(frames::ping(), 3000));
  expectCalmedDown(harness, CodecEvent::controlFrameFlood);
}

TEST(Http2HostileInput, PriorityFlood) {
  RawClientHarness harness;
  harness.sendPreface();
  Bytes flood;
  for (std::uint32_t stream = 1; stream < 6000; stream += 2)
    append(flood, frames::priority(stream, 0));
  harness.send(flood);
  expectCalmedDown(harness, CodecEvent::controlFrameFlood);
}

TEST(Http2HostileInput, WindowUpdateFloodWithoutDataToEarnIt) {
  RawClientHarness harness;
  harness.sendPreface();
  harness.send(repeated(frames::windowUpdate(0, 1), 3000));
  expectCalmedDown(harness, CodecEvent::controlFrameFlood);
}

TEST(Http2HostileInput, EmptyDataFlood) {
  RawClientHarness harness;
  harness.sendPreface();
  Bytes flood = frames::headers(1, harness.encoder().encode(requestFields()), false);
  append(flood, repeated(frames::data(1, "", false), 3000));
  harness.send(flood);
  expectCalmedDown(harness, CodecEvent::emptyFrameFlood);
}

TEST(Http2HostileInput, RapidResetIsCutShortAndBoundsTheWorkStarted) {
  HttpSettings settings;
  RawClientHarness harness(settings);
  harness.sendPreface();
  Bytes flood;
  const auto block = harness.encoder().encode(requestFields());
  for (std::uint32_t stream = 1; stream < 4000; stream += 2) {
    append(flood, frames::headers(stream, block, true));
    append(flood, frames::rstStream(stream, NGHTTP2_CANCEL));
  }
  harness.send(flood);
  expectCalmedDown(harness, CodecEvent::resetFlood);
  EXPECT_LE(harness.handlersStarted(),
            static_cast<int>(settings.maxResetsPerSecond + settings.maxConcurrentStreams));
}

// The "MadeYouReset" variant: streams the server has to reset because the client broke the
// stream's rules count against the same budget as resets the client sends.
TEST(Http2HostileInput, StreamErrorsProvokedInBulkAreAResetFlood) {
  RawClientHarness harness;
  harness.sendPreface();
  const auto bad = harness.encoder().encode(requestFields("/", {{"connection", "close"}}));
  // Batches within the stream limit (a stream counts until its RST_STREAM is out), each
  // read back before the next: only the rate of resets is abnormal.
  std::uint32_t stream = 1;
  for (int batch = 0; batch < 20; ++batch) {
    Bytes frames;
    for (int i = 0; i < 50; ++i, stream += 2)
      append(frames, frames::headers(stream, bad, true));
    if (!harness.send(frames))
      break;
    const auto last = stream - 2;
    const auto seen = harness.wire().readUntil([last](const ParsedFrame& f) {
      return f.type == NGHTTP2_GOAWAY || (f.type == NGHTTP2_RST_STREAM && f.stream == last);
    });
    if (seen.empty() || seen.back().type == NGHTTP2_GOAWAY) {
      ASSERT_FALSE(seen.empty());
      EXPECT_EQ(seen.back().errorCode(), NGHTTP2_ENHANCE_YOUR_CALM);
      break;
    }
  }
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::refused);
  EXPECT_EQ(harness.events().count(CodecEvent::resetFlood), 1);
  EXPECT_EQ(harness.handlersStarted(), 0);
}

TEST(Http2HostileInput, ContinuationFlood) {
  RawClientHarness harness;
  harness.sendPreface();
  Fields many;
  for (int i = 0; i < 40; ++i)
    many.emplace_back("x-field-" + std::to_string(i), "value");
  const auto block = harness.encoder().encode(requestFields("/", many));
  // One byte per frame: HEADERS, then a CONTINUATION per byte, far more than 8.
  Bytes flood = frames::headers(1, Bytes{block[0]}, true, false);
  for (std::size_t i = 1; i < block.size(); ++i)
    append(flood, frames::continuation(1, Bytes{block[i]}, i + 1 == block.size()));
  harness.send(flood);
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_ENHANCE_YOUR_CALM);
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::refused);
  EXPECT_EQ(harness.events().count(CodecEvent::continuationFlood), 1);
  EXPECT_EQ(harness.handlersStarted(), 0);
}

// The stream gets a 431 and the connection goes on: a second request on it is served.
void expectTooLargeThenServed(RawClientHarness& harness) {
  const auto end = harness.awaitStreamEnd(1);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->type, NGHTTP2_HEADERS) << "a 431 response, not a reset";
  harness.send(frames::headers(3, harness.encoder().encode(requestFields("/next")), true));
  const auto seen = harness.wire().readUntil([](const ParsedFrame& f) {
    return f.stream == 3 && (f.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  });
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().type, NGHTTP2_DATA) << "the connection still serves";
  for (const auto& frame : seen)
    EXPECT_NE(frame.type, NGHTTP2_RST_STREAM) << "the request was complete: nothing to cut short";
  EXPECT_EQ(harness.events().count(CodecEvent::headersTooLarge), 1);
  EXPECT_EQ(harness.handlersStarted(), 1);
}

TEST(Http2HostileInput, HpackBombIsRefusedWithA431) {
  RawClientHarness harness;
  harness.sendPreface();
  // :method GET, :scheme http, :path / from the static table; :authority literal; then a
  // 4000-byte field put in the dynamic table once and referenced 3000 times (12 MB decoded
  // from 7 KB on the wire).
  Bytes block{0x82, 0x86, 0x84, 0x01, 0x01, 'x', 0x40, 0x04, 'b', 'o', 'm', 'b'};
  frames::appendInteger(block, 0x00, 7, 4000);
  block.insert(block.end(), 4000, 'a');
  block.insert(block.end(), 3000, 0xbe);  // index 62: the newest dynamic entry
  harness.send(frames::headers(1, block, true));
  // The encoder of the harness never saw the bomb: its table is as the server's was
  // before (the bomb entry was added last, index 62; the encoder's next fields refer
  // only to the static table or insert after it).
  expectTooLargeThenServed(harness);
}

TEST(Http2HostileInput, HeaderListOverTheLimitAcrossContinuations) {
  RawClientHarness harness;
  harness.sendPreface();
  Fields big;
  for (int i = 0; i < 9; ++i)
    big.emplace_back("x-big-" + std::to_string(i), std::string(9000, 'v'));
  const auto block = harness.encoder().encode(requestFields("/", big));
  ASSERT_GT(block.size(), 3U * 16384);
  Bytes sent = frames::headers(1, Bytes(block.begin(), block.begin() + 16000), true, false);
  for (std::size_t at = 16000; at < block.size(); at += 16000) {
    const auto stop = std::min(block.size(), at + 16000);
    append(sent, frames::continuation(1,
                                      Bytes(block.begin() + static_cast<long>(at),
                                            block.begin() + static_cast<long>(stop)),
                                      stop == block.size()));
  }
  harness.send(sent);
  expectTooLargeThenServed(harness);
}

TEST(Http2HostileInput, TooManyFieldsIsRefusedWithA431) {
  RawClientHarness harness;
  harness.sendPreface();
  Fields many;
  for (int i = 0; i < 150; ++i)
    many.emplace_back("x-f" + std::to_string(i), "1");
  harness.send(frames::headers(1, harness.encoder().encode(requestFields("/", many)), true));
  expectTooLargeThenServed(harness);
}

TEST(Http2HostileInput, MalformedRequestsAreStreamErrors) {
  RawClientHarness harness;
  harness.sendPreface();
  const std::vector<std::pair<std::string, Fields>> cases{
      {"no :path", {{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}}},
      {"connection", requestFields("/", {{"connection", "keep-alive"}})},
      {"transfer-encoding", requestFields("/", {{"transfer-encoding", "chunked"}})},
      {"te gzip", requestFields("/", {{"te", "gzip"}})},
      {"upper case", requestFields("/", {{"X-Upper", "1"}})},
      {"pseudo after field",
       {{":method", "GET"}, {"accept", "*/*"}, {":scheme", "http"}, {":path", "/"}}},
      {"unknown pseudo", requestFields("/", {{":bogus", "1"}})},
      {"two :path", requestFields("/", {{":path", "/again"}})},
      {"CONNECT with :path", {{":method", "CONNECT"}, {":authority", "x:443"}, {":path", "/"}}},
      {"host against :authority", requestFields("/", {{"host", "elsewhere.test"}})},
      {"relative :path", requestFields("relative")},
      {"bad content-length", requestFields("/", {{"content-length", "1x"}})},
  };
  std::uint32_t stream = 1;
  for (const auto& [name, fields] : cases) {
    harness.send(frames::headers(stream, harness.encoder().encode(fields), true));
    const auto end = harness.awaitStreamEnd(stream);
    ASSERT_TRUE(end.has_value()) << name;
    EXPECT_EQ(end->type, NGHTTP2_RST_STREAM) << name;
    EXPECT_EQ(end->errorCode(), NGHTTP2_PROTOCOL_ERROR) << name;
    stream += 2;
  }
  EXPECT_EQ(harness.handlersStarted(), 0);
  EXPECT_EQ(harness.events().count(CodecEvent::streamProtocolError),
            static_cast<int>(cases.size()));
  harness.send(frames::headers(stream, harness.encoder().encode(requestFields()), true));
  const auto served = harness.awaitStreamEnd(stream);
  ASSERT_TRUE(served.has_value());
  EXPECT_EQ(served->type, NGHTTP2_DATA) << "stream errors leave the connection serving";
}

TEST(Http2HostileInput, ContentLengthThatDisagreesWithTheData) {
  std::atomic<bool> handlerSawReset{false};
  RawClientHarness harness({}, [&](ServerStream& stream) -> boost::asio::awaitable<void> {
    const auto body = co_await collect([&] { return stream.readBody(); });
    handlerSawReset = body.error == errc::http_stream_reset;
  });
  harness.sendPreface();
  Fields post = requestFields("/", {{"content-length", "10"}});
  post[0].second = "POST";
  Bytes bytes = frames::headers(1, harness.encoder().encode(post), false);
  append(bytes, frames::data(1, "hello", true));
  harness.send(bytes);
  const auto end = harness.awaitStreamEnd(1);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->type, NGHTTP2_RST_STREAM);
  EXPECT_EQ(end->errorCode(), NGHTTP2_PROTOCOL_ERROR);
  harness.send(frames::goaway(0, NGHTTP2_NO_ERROR));
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::closed);
  EXPECT_TRUE(handlerSawReset.load());
  EXPECT_EQ(harness.events().count(CodecEvent::streamProtocolError), 1);
}

TEST(Http2HostileInput, HeaderBlockThatNeverEndsTimesOut) {
  HttpSettings settings;
  settings.requestHeaderTimeout = std::chrono::milliseconds(200);
  RawClientHarness harness(settings);
  harness.sendPreface();
  const auto block = harness.encoder().encode(requestFields());
  harness.send(frames::headers(1, Bytes(block.begin(), block.begin() + 3), true, false));
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_NO_ERROR);
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::timedOut);
  EXPECT_EQ(harness.events().count(CodecEvent::headerTimeout), 1);
}

TEST(Http2HostileInput, IdleConnectionTimesOut) {
  HttpSettings settings;
  settings.idleTimeout = std::chrono::milliseconds(200);
  RawClientHarness harness(settings);
  harness.sendPreface();
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_NO_ERROR);
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::timedOut);
  EXPECT_EQ(harness.events().total(), 0);
}

TEST(Http2HostileInput, StreamsWithNothingMovingTimeOut) {
  HttpSettings settings;
  settings.idleTimeout = std::chrono::milliseconds(300);
  std::atomic<bool> handlerFailed{false};
  RawClientHarness harness(settings, [&](ServerStream& stream) -> boost::asio::awaitable<void> {
    const auto body = co_await collect([&] { return stream.readBody(); });
    handlerFailed = static_cast<bool>(body.error);
  });
  harness.sendPreface();
  Fields post = requestFields();
  post[0].second = "POST";
  harness.send(frames::headers(1, harness.encoder().encode(post), false));  // and no body
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_NO_ERROR);
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::timedOut);
  EXPECT_TRUE(handlerFailed.load());
}

// A client that sends and never reads: the acknowledgements it asks for pile up inside
// nghttp2 once the socket is full, and past a bound the connection is dropped.
TEST(Http2HostileInput, PeerThatStopsReadingIsDroppedNotBufferedFor) {
  HttpSettings settings;
  settings.maxControlFramesPerSecond = 100'000'000;  // only the queue bound applies
  RawClientHarness harness(settings, {}, true);
  harness.sendPreface();
  const auto pings = repeated(frames::ping(), 1000);
  int sent = 0;
  while (sent < 20'000 && harness.send(pings))
    ++sent;
  EXPECT_LT(sent, 20'000) << "the server kept accepting PINGs it could not answer";
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::refused);
  EXPECT_EQ(harness.events().count(CodecEvent::controlFrameFlood), 1);
}

TEST(Http2HostileInput, WrongPrefaceIsAConnectionError) {
  RawClientHarness harness;
  const std::string_view wrong = "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n";
  harness.send(Bytes(wrong.begin(), wrong.end()));
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::refused);
  EXPECT_EQ(harness.events().count(CodecEvent::protocolError), 1);
}

TEST(Http2HostileInput, DataOnAnIdleStreamIsAConnectionError) {
  RawClientHarness harness;
  harness.sendPreface();
  harness.send(frames::data(7, "nope", true));
  const auto goaway = harness.awaitGoaway();
  ASSERT_TRUE(goaway.has_value());
  EXPECT_EQ(goaway->errorCode(), NGHTTP2_PROTOCOL_ERROR);
  EXPECT_EQ(harness.awaitEnd(), ServerConnectionEnd::refused);
  EXPECT_EQ(harness.events().count(CodecEvent::protocolError), 1);
}

}  // namespace
}  // namespace wasmesh::proxy::http::test
