// The connection errors RFC 9113 asks for on streams nghttp2 has already forgotten, and the
// exception for streams this side reset (frames the peer sent before it saw the reset).
#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include "Http2ClosedStreams.h"

namespace wasmesh::proxy::http {
namespace {

using Verdict = Http2ClosedStreams::Verdict;

TEST(Http2ClosedStreams, HeadersReusingOrGoingBelowAnIdIsAConnectionError) {
  const Http2ClosedStreams streams;
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 1, false, 1), Verdict::protocolError) << "reused";
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 3, false, 5), Verdict::protocolError) << "lower";
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 7, false, 5), Verdict::accept) << "a new stream";
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 5, true, 5), Verdict::accept) << "trailers";
}

TEST(Http2ClosedStreams, PriorityOnStreamZeroIsAConnectionError) {
  const Http2ClosedStreams streams;
  EXPECT_EQ(streams.judge(NGHTTP2_PRIORITY, 0, false, 0), Verdict::protocolError);
  EXPECT_EQ(streams.judge(NGHTTP2_PRIORITY, 3, false, 1), Verdict::accept)
      << "PRIORITY may name any stream, closed or idle";
}

TEST(Http2ClosedStreams, HeadersOnStreamsWeResetAreIgnored) {
  Http2ClosedStreams streams;
  streams.noteOwnReset(3);
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 3, false, 5), Verdict::accept);
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 1, false, 5), Verdict::protocolError);
}

TEST(Http2ClosedStreams, OnlyTheLatestResetsAreRemembered) {
  Http2ClosedStreams streams;
  streams.noteOwnReset(1);
  for (std::int32_t id = 3; id < 3 + 2 * 256; id += 2)
    streams.noteOwnReset(id);
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 1, false, 1001), Verdict::protocolError);
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 511, false, 1001), Verdict::accept);
}

TEST(Http2ClosedStreams, OtherFramesAndStreamZeroAreNghttp2s) {
  const Http2ClosedStreams streams;
  EXPECT_EQ(streams.judge(NGHTTP2_HEADERS, 0, false, 5), Verdict::accept);
  EXPECT_EQ(streams.judge(NGHTTP2_DATA, 1, false, 5), Verdict::accept);
  EXPECT_EQ(streams.judge(NGHTTP2_RST_STREAM, 1, false, 5), Verdict::accept);
  EXPECT_EQ(streams.judge(NGHTTP2_WINDOW_UPDATE, 1, false, 5), Verdict::accept);
}

}  // namespace
}  // namespace wasmesh::proxy::http
