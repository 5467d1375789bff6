#pragma once

#include <nghttp2/nghttp2.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "Http2TestSupport.h"

namespace wasmesh::proxy::http::test {

using Bytes = std::vector<std::uint8_t>;
using Fields = std::vector<std::pair<std::string, std::string>>;

// HTTP/2 frames written by hand (RFC 9113 section 4.1), for the inputs a well-behaved
// library would never produce.
namespace frames {
inline constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
Bytes frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const Bytes& payload = {});
Bytes settings(const std::vector<std::pair<std::uint16_t, std::uint32_t>>& entries = {});
Bytes settingsAck();
Bytes ping(std::uint8_t flags = 0);
Bytes windowUpdate(std::uint32_t stream, std::uint32_t increment);
Bytes rstStream(std::uint32_t stream, std::uint32_t code);
Bytes priority(std::uint32_t stream, std::uint32_t dependsOn);
Bytes data(std::uint32_t stream, std::string_view bytes, bool endStream);
Bytes goaway(std::uint32_t lastStream, std::uint32_t code);
// HEADERS (END_HEADERS unless `endHeaders` is false).
Bytes headers(std::uint32_t stream, const Bytes& block, bool endStream, bool endHeaders = true);
Bytes continuation(std::uint32_t stream, const Bytes& block, bool endHeaders);
// An HPACK integer with an `prefixBits`-bit prefix whose high bits are `flags` (RFC 7541 5.1).
void appendInteger(Bytes& out, std::uint8_t flags, int prefixBits, std::size_t value);
void append(Bytes& out, const Bytes& more);
}  // namespace frames

// HPACK with nghttp2's deflater, fields exactly as given (uppercase and all).
class HpackEncoder {
 public:
  HpackEncoder();
  ~HpackEncoder();
  HpackEncoder(const HpackEncoder&) = delete;
  HpackEncoder& operator=(const HpackEncoder&) = delete;
  Bytes encode(const Fields& fields);

 private:
  nghttp2_hd_deflater* deflater_ = nullptr;
};

// A request block: :method GET, :scheme http, :authority, :path, then `extra`.
Fields requestFields(std::string_view path = "/", const Fields& extra = {});

struct ParsedFrame {
  std::uint8_t type = 0;
  std::uint8_t flags = 0;
  std::uint32_t stream = 0;
  Bytes payload;
  std::uint32_t errorCode() const;  // RST_STREAM, GOAWAY
};

// A socket the test writes raw bytes to and reads whole frames from, waiting at most five
// seconds for any progress, so a test never hangs on a peer that went silent.
class FrameSocket {
 public:
  explicit FrameSocket(boost::asio::ip::tcp::socket& socket);

  // False when the peer closed or reset the connection.
  bool send(const Bytes& bytes);
  // Frames until `until` says stop (true), the connection ends, or `limit` passes.
  std::vector<ParsedFrame> readUntil(const std::function<bool(const ParsedFrame&)>& until,
                                     std::chrono::milliseconds limit = std::chrono::seconds(20));
  // The GOAWAY the peer sent, reading until it comes (or the connection ends).
  std::optional<ParsedFrame> awaitGoaway();
  // The frame that ends `stream` (RST_STREAM, or HEADERS/DATA with END_STREAM).
  std::optional<ParsedFrame> awaitStreamEnd(std::uint32_t stream);
  // Whether the peer closed the connection (reading until it does, or the limit).
  bool awaitClose();

 private:
  boost::asio::ip::tcp::socket& socket_;
  Bytes pending_;
  bool closed_ = false;
};

// An Http2ServerConnection on its own thread, and a blocking loopback socket to it that
// the test writes raw bytes to and reads frames from.
class RawClientHarness {
 public:
  // `smallBuffers`: tiny socket buffers both ways, so a client that does not read blocks
  // the server's writes at once.
  explicit RawClientHarness(HttpSettings settings = {}, RequestHandler handler = {},
                            bool smallBuffers = false);
  ~RawClientHarness();

  // The preface, an empty SETTINGS and the ACK of the server's.
  void sendPreface();
  bool send(const Bytes& bytes) { return wire_.send(bytes); }
  std::optional<ParsedFrame> awaitGoaway() { return wire_.awaitGoaway(); }
  std::optional<ParsedFrame> awaitStreamEnd(std::uint32_t stream) {
    return wire_.awaitStreamEnd(stream);
  }
  // Waits for serve() to return.
  ServerConnectionEnd awaitEnd();
  FrameSocket& wire() { return wire_; }

  HpackEncoder& encoder() { return encoder_; }
  RecordingObserver& events() { return events_; }
  int handlersStarted() const { return handlersStarted_.load(); }

 private:
  boost::asio::awaitable<ServerConnectionEnd> serve(
      std::shared_ptr<boost::asio::ip::tcp::socket> socket);

  boost::asio::io_context serverContext_;
  boost::asio::io_context clientContext_;
  boost::asio::ip::tcp::socket client_{clientContext_};
  HttpSettings settings_;
  RequestHandler handler_;
  RecordingObserver events_;
  HpackEncoder encoder_;
  std::atomic<int> handlersStarted_{0};
  FrameSocket wire_{client_};
  std::future<ServerConnectionEnd> end_;
  std::thread thread_;
};

// An Http2ClientConnection on its own thread, connected to a blocking socket on which the
// test plays the upstream server with raw frames.
class RawServerHarness {
 public:
  explicit RawServerHarness(HttpSettings clientSettings = {});
  ~RawServerHarness();

  // Reads the client's preface and SETTINGS; answers with `settings` and an ACK.
  void handshake(const std::vector<std::pair<std::uint16_t, std::uint32_t>>& settings = {});
  // Runs `scenario` with the connection on the client's thread.
  std::future<void> client(
      std::function<boost::asio::awaitable<void>(Http2ClientConnection&)> scenario);
  // Reads until the client's HEADERS for each of `streams` arrived.
  void awaitRequests(std::initializer_list<std::uint32_t> streams);
  void closeSocket();

  FrameSocket& wire() { return wire_; }
  HpackEncoder& encoder() { return encoder_; }
  RecordingObserver& events() { return events_; }
  Http2ClientConnection& connection() { return *connection_; }

 private:
  boost::asio::io_context clientContext_;
  boost::asio::io_context serverContext_;
  boost::asio::ip::tcp::socket server_{serverContext_};
  RecordingObserver events_;
  HpackEncoder encoder_;
  std::unique_ptr<Http2ClientConnection> connection_;
  FrameSocket wire_{server_};
  std::thread thread_;
};

// A handler answering 200 with "ok" after reading the request body.
RequestHandler okHandler();

}  // namespace wasmesh::proxy::http::test
