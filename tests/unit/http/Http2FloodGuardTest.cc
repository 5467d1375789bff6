#include <gtest/gtest.h>

#include "Http2FloodGuard.h"

namespace wasmesh::proxy::http {
namespace {

using Clock = Http2FloodGuard::Clock;
using Frame = Http2FloodGuard::Frame;

constexpr std::uint8_t kData = 0x0;
constexpr std::uint8_t kHeaders = 0x1;
constexpr std::uint8_t kPriority = 0x2;
constexpr std::uint8_t kSettings = 0x4;
constexpr std::uint8_t kPing = 0x6;
constexpr std::uint8_t kWindowUpdate = 0x8;
constexpr std::uint8_t kContinuation = 0x9;

HttpSettings small() {
  HttpSettings settings;
  settings.maxControlFramesPerSecond = 10;
  settings.maxEmptyFramesPerSecond = 5;
  settings.maxResetsPerSecond = 3;
  settings.maxContinuationFrames = 2;
  return settings;
}

// How many frames pass before the guard reports `expected` (-1: none in `limit` frames).
int framesUntil(Http2FloodGuard& guard, const Frame& frame, CodecEvent expected,
                Clock::time_point now, int limit = 1000, bool firstEmpty = false) {
  for (int i = 0; i < limit; ++i) {
    if (const auto event = guard.onFrame(frame, firstEmpty, now)) {
      EXPECT_EQ(*event, expected);
      return i;
    }
  }
  return -1;
}

TEST(TokenBucket, AllowsABurstThenTheRate) {
  TokenBucket bucket(4);
  const auto start = Clock::now();
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(bucket.take(start)) << i;
  EXPECT_FALSE(bucket.take(start));
  EXPECT_TRUE(bucket.take(start + std::chrono::milliseconds(250))) << "one token a quarter second";
  EXPECT_FALSE(bucket.take(start + std::chrono::milliseconds(250)));
  // Refills to one second's worth at most, however long the pause.
  const auto later = start + std::chrono::hours(1);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(bucket.take(later)) << i;
  EXPECT_FALSE(bucket.take(later));
}

TEST(Http2FloodGuard, ControlFramesShareOneBudget) {
  Http2FloodGuard guard(small());
  const auto now = Clock::now();
  EXPECT_EQ(framesUntil(guard, {kSettings, 0, 6, 0}, CodecEvent::controlFrameFlood, now, 4), -1);
  EXPECT_EQ(framesUntil(guard, {kPing, 0, 8, 0}, CodecEvent::controlFrameFlood, now, 4), -1);
  EXPECT_EQ(framesUntil(guard, {kPriority, 0, 5, 3}, CodecEvent::controlFrameFlood, now), 2);
}

TEST(Http2FloodGuard, ControlFramesAtTheRateAreFine) {
  Http2FloodGuard guard(small());
  auto now = Clock::now();
  for (int i = 0; i < 1000; ++i) {
    now += std::chrono::milliseconds(100);  // ten a second: the budget exactly
    EXPECT_FALSE(guard.onFrame({kPing, 0, 8, 0}, false, now).has_value()) << i;
  }
}

TEST(Http2FloodGuard, WindowUpdatesAreFreeWhileDataEarnsThem) {
  Http2FloodGuard guard(small());
  const auto now = Clock::now();
  for (int i = 0; i < 5000; ++i) {
    guard.onDataFrameSent();
    EXPECT_FALSE(guard.onFrame({kWindowUpdate, 0, 4, 1}, false, now).has_value()) << i;
    EXPECT_FALSE(guard.onFrame({kWindowUpdate, 0, 4, 0}, false, now).has_value()) << i;
  }
  // Unearned: the 64 initial credits, then the control budget.
  EXPECT_EQ(framesUntil(guard, {kWindowUpdate, 0, 4, 0}, CodecEvent::controlFrameFlood, now),
            64 + 10);
}

TEST(Http2FloodGuard, EmptyDataFrames) {
  Http2FloodGuard guard(small());
  const auto now = Clock::now();
  const Frame empty{kData, 0, 0, 1};
  // The first empty DATA of a stream (ending a body before trailers) is free, and so is an
  // empty DATA that ends the stream.
  EXPECT_FALSE(guard.onFrame(empty, true, now).has_value());
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(guard.onFrame({kData, 0x1, 0, 1}, false, now).has_value());
  EXPECT_FALSE(guard.onFrame({kData, 0, 100, 1}, false, now).has_value());
  EXPECT_EQ(framesUntil(guard, empty, CodecEvent::emptyFrameFlood, now), 5);
}

TEST(Http2FloodGuard, EmptyHeaderBlockFragments) {
  Http2FloodGuard guard(small());
  const auto now = Clock::now();
  EXPECT_EQ(framesUntil(guard, {kHeaders, 0, 0, 1}, CodecEvent::emptyFrameFlood, now), 5);
}

TEST(Http2FloodGuard, ContinuationsPerHeaderBlock) {
  Http2FloodGuard guard(small());
  const auto now = Clock::now();
  for (int block = 0; block < 100; ++block) {
    EXPECT_FALSE(guard.onFrame({kHeaders, 0, 10, 1}, false, now).has_value());
    EXPECT_FALSE(guard.onFrame({kContinuation, 0, 10, 1}, false, now).has_value());
    EXPECT_FALSE(guard.onFrame({kContinuation, 0x4, 10, 1}, false, now).has_value());
  }
  EXPECT_FALSE(guard.onFrame({kHeaders, 0, 10, 1}, false, now).has_value());
  EXPECT_EQ(framesUntil(guard, {kContinuation, 0, 10, 1}, CodecEvent::continuationFlood, now), 2);
}

TEST(Http2FloodGuard, Resets) {
  Http2FloodGuard guard(small());
  const auto now = Clock::now();
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(guard.onStreamReset(now).has_value()) << i;
  EXPECT_EQ(guard.onStreamReset(now), CodecEvent::resetFlood);
  EXPECT_FALSE(guard.onStreamReset(now + std::chrono::seconds(1)).has_value());
}

}  // namespace
}  // namespace wasmesh::proxy::http
