#include "wasmesh/proxy/DetectingConnector.h"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/HttpDetector.h"

namespace wasmesh::proxy {
namespace {

constexpr auto kNoThrow = boost::asio::as_tuple(boost::asio::use_awaitable);
using Clock = std::chrono::steady_clock;
constexpr auto kDetectAfterConnectFailure = std::chrono::milliseconds(500);

boost::system::error_code lastError() {
  return {errno, boost::system::system_category()};
}

// Asio's own connect blocks until done and its async_connect cannot be raced against a
// read without cancelling it; a non-blocking connect(2) whose completion is a writable
// socket can be (the nghttpx pattern). Returns EINPROGRESS while the handshake runs.
boost::system::error_code startConnect(boost::asio::ip::tcp::socket& socket,
                                       const boost::asio::ip::tcp::endpoint& target) {
  boost::system::error_code error;
  socket.open(target.protocol(), error);
  if (error)
    return error;
  socket.non_blocking(true, error);
  if (error)
    return error;
  if (::connect(socket.native_handle(), target.data(), static_cast<socklen_t>(target.size())) != 0)
    return lastError();
  return {};
}

boost::system::error_code pendingConnectError(boost::asio::ip::tcp::socket& socket) {
  int pending = 0;
  socklen_t length = sizeof(pending);
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &pending, &length) != 0)
    return lastError();
  return {pending, boost::system::system_category()};
}

bool isInProgress(const boost::system::error_code& error) {
  return error == boost::system::error_code(EINPROGRESS, boost::system::system_category());
}

DetectResult resultOf(DetectedProtocol protocol) {
  switch (protocol) {
    case DetectedProtocol::tls:
      return DetectResult::tls;
    case DetectedProtocol::http1:
      return DetectResult::http1;
    case DetectedProtocol::http2:
      return DetectResult::http2;
    case DetectedProtocol::undecided:
    case DetectedProtocol::opaque:
      break;
  }
  return DetectResult::notHttp;
}

}  // namespace

DetectingConnector::DetectingConnector(boost::asio::ip::tcp::socket& client,
                                       boost::asio::ip::tcp::socket& server, const Limits& limits)
    : client_(client), server_(server), limits_(limits) {}

boost::asio::awaitable<DetectingConnector::Wake> DetectingConnector::waitForAny(
    bool connecting, Clock::time_point deadline) {
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer timer(client_.get_executor(), deadline);
  // A connecting socket turns writable when the handshake ends; a connected one readable
  // when the server speaks (or closes).
  const auto serverEvent =
      connecting ? boost::asio::socket_base::wait_write : boost::asio::socket_base::wait_read;
  auto woken = co_await (client_.async_wait(boost::asio::socket_base::wait_read, kNoThrow) ||
                         server_.async_wait(serverEvent, kNoThrow) || timer.async_wait(kNoThrow));
  co_return static_cast<Wake>(woken.index());
}

boost::asio::awaitable<DetectingConnector::Wake> DetectingConnector::waitForClient(
    Clock::time_point deadline) {
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer timer(client_.get_executor(), deadline);
  auto woken = co_await (client_.async_wait(boost::asio::socket_base::wait_read, kNoThrow) ||
                         timer.async_wait(kNoThrow));
  co_return woken.index() == 0 ? Wake::client : Wake::timer;
}

bool DetectingConnector::serverSentHttp2Preface() const {
  // Peek, so that the frame is still there for the relay to pass on.
  std::array<std::uint8_t, kHttp2FrameHeaderSize> header{};
  const auto peeked =
      ::recv(server_.native_handle(), header.data(), header.size(), MSG_PEEK | MSG_DONTWAIT);
  return peeked == static_cast<ssize_t>(header.size()) && isHttp2ServerPreface(header);
}

boost::asio::awaitable<boost::system::error_code> DetectingConnector::finishConnect(
    Clock::time_point deadline) {
  using boost::asio::experimental::awaitable_operators::operator||;
  boost::asio::steady_timer timer(server_.get_executor(), deadline);
  auto woken = co_await (server_.async_wait(boost::asio::socket_base::wait_write, kNoThrow) ||
                         timer.async_wait(kNoThrow));
  if (woken.index() == 1)
    co_return make_error_code(errc::connect_timeout);
  co_return pendingConnectError(server_);
}

std::optional<DetectResult> DetectingConnector::readClient(DetectOutcome& outcome) {
  if (!buffer_)
    buffer_ = std::make_unique<std::uint8_t[]>(limits_.maxDetectBytes);
  boost::system::error_code error;
  const auto count = client_.read_some(
      boost::asio::buffer(buffer_.get() + buffered_, limits_.maxDetectBytes - buffered_), error);
  if (error == boost::asio::error::would_block || error == boost::asio::error::try_again)
    return std::nullopt;  // woken without data: wait again
  if (error == boost::asio::error::eof) {
    // A client that half-closes first still deserves the server's answer: forward as is.
    outcome.detection.reason = "client closed before a decision";
    return DetectResult::notHttp;
  }
  if (error) {
    outcome.clientError = error;
    return DetectResult::error;
  }
  buffered_ += count;
  const std::span<const std::uint8_t> bytes{buffer_.get(), buffered_};
  outcome.detection = detectProtocol(bytes, limits_.maxDetectBytes);
  if (outcome.detection.protocol != DetectedProtocol::undecided)
    return resultOf(outcome.detection.protocol);
  if (worthWaitingForMore(bytes))
    return std::nullopt;
  outcome.detection.protocol = DetectedProtocol::opaque;
  outcome.detection.reason = "a bare word, not the start of a request line";
  return DetectResult::notHttp;
}

boost::asio::awaitable<void> DetectingConnector::detectAfterConnectFailure(
    DetectOutcome* outcome, Clock::time_point deadline) {
  // Detection goes on a moment without the server: an HTTP client, whose request is on its
  // way, then gets an HTTP answer (a 502 naming the failure) rather than a bare reset. Only
  // a moment: a client waiting for a server's greeting must not wait out the detect timeout
  // to learn that the server is not there.
  deadline = std::min(deadline, Clock::now() + kDetectAfterConnectFailure);
  while (!outcome->result) {
    const Wake wake = co_await waitForClient(deadline);
    if (wake == Wake::timer)
      break;
    outcome->result = readClient(*outcome);
  }
  if (!outcome->result || outcome->result == DetectResult::error)
    outcome->detection = {};
}

boost::asio::awaitable<DetectOutcome> DetectingConnector::detectOnly(
    std::chrono::milliseconds firstByteWait) {
  const auto start = Clock::now();
  auto deadline = start + limits_.detectTimeout;
  if (limits_.idleTimeout.count() > 0)
    deadline = std::min(deadline, start + limits_.idleTimeout);
  DetectOutcome outcome;
  boost::system::error_code ignored;
  client_.non_blocking(true, ignored);
  while (!outcome.result) {
    auto waitUntil = deadline;
    if (firstByteWait.count() > 0 && buffered_ == 0)
      waitUntil = std::min(deadline, start + firstByteWait);
    const Wake wake = co_await waitForClient(waitUntil);
    if (wake == Wake::timer) {
      outcome.result = DetectResult::readTimeout;
      break;
    }
    outcome.result = readClient(outcome);
  }
  outcome.took = Clock::now() - start;
  if (outcome.detection.protocol == DetectedProtocol::undecided)
    outcome.detection.protocol = DetectedProtocol::opaque;
  co_return outcome;
}

boost::asio::awaitable<DetectOutcome> DetectingConnector::run(
    const boost::asio::ip::tcp::endpoint& target, bool detect) {
  const auto start = Clock::now();
  const auto connectDeadline = start + limits_.connectTimeout;
  const auto detectDeadline = start + limits_.detectTimeout;
  DetectOutcome outcome;

  auto connectError = startConnect(server_, target);
  bool connecting = isInProgress(connectError);
  boost::system::error_code ignored;
  client_.non_blocking(true, ignored);
  if (connectError && !connecting) {
    outcome.connectError = connectError;
    if (detect)
      co_await detectAfterConnectFailure(&outcome, detectDeadline);
    outcome.took = Clock::now() - start;
    co_return outcome;
  }

  // Set once an HTTP/2 server has sent its SETTINGS: from then on only the client decides.
  bool serverAwaitsClient = false;
  // Nothing moves while detecting except client bytes: an idle timeout shorter than the
  // detect timeout ends a silent connection here, as it would while relaying.
  auto idleDeadline = Clock::time_point::max();
  const auto touch = [&] {
    if (limits_.idleTimeout.count() > 0)
      idleDeadline = Clock::now() + limits_.idleTimeout;
  };
  touch();
  bool connectFailed = false;
  while (detect && !outcome.result && !connectFailed) {
    auto deadline = std::min(detectDeadline, idleDeadline);
    if (connecting)
      deadline = std::min(deadline, connectDeadline);
    Wake wake = Wake::timer;
    if (serverAwaitsClient) {
      wake = co_await waitForClient(deadline);
    } else {
      wake = co_await waitForAny(connecting, deadline);
    }
    switch (wake) {
      case Wake::client: {
        const auto before = buffered_;
        outcome.result = readClient(outcome);
        if (buffered_ != before)
          touch();
        break;
      }
      case Wake::server:
        if (connecting) {
          connecting = false;
          outcome.connectError = pendingConnectError(server_);
          if (outcome.connectError)
            connectFailed = true;  // finished below: GCC 12 mishandles co_await in a case
        } else if (serverSentHttp2Preface()) {
          serverAwaitsClient = true;
        } else {
          outcome.result = DetectResult::serverFirst;
        }
        break;
      case Wake::timer:
        if (connecting && Clock::now() >= connectDeadline) {
          outcome.connectError = make_error_code(errc::connect_timeout);
          co_return outcome;
        }
        if (Clock::now() >= idleDeadline) {
          outcome.result = DetectResult::readTimeout;
          outcome.idleExpired = true;
        } else if (Clock::now() >= detectDeadline) {
          outcome.result = DetectResult::readTimeout;
        }
        break;
    }
  }
  if (connectFailed) {
    co_await detectAfterConnectFailure(&outcome, detectDeadline);
    outcome.took = Clock::now() - start;
    co_return outcome;
  }
  outcome.took = Clock::now() - start;
  if (outcome.result && outcome.detection.protocol == DetectedProtocol::undecided)
    outcome.detection.protocol = DetectedProtocol::opaque;
  if (outcome.result == DetectResult::error || outcome.idleExpired)
    co_return outcome;  // the caller closes both: no point finishing the handshake
  if (connecting)
    outcome.connectError = co_await finishConnect(connectDeadline);
  co_return outcome;
}

}  // namespace wasmesh::proxy
