#include "RawHttp2.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/http/OwnedByteStream.h"

namespace wasmesh::proxy::http::test {

namespace frames {

void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

namespace {
void put32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<std::uint8_t>(value >> shift));
}
}  // namespace

Bytes frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const Bytes& payload) {
  Bytes out;
  const auto length = payload.size();
  out.push_back(static_cast<std::uint8_t>(length >> 16));
  out.push_back(static_cast<std::uint8_t>(length >> 8));
  out.push_back(static_cast<std::uint8_t>(length));
  out.push_back(type);
  out.push_back(flags);
  put32(out, stream & 0x7fffffffU);
  append(out, payload);
  return out;
}

Bytes settings(const std::vector<std::pair<std::uint16_t, std::uint32_t>>& entries) {
  Bytes payload;
  for (const auto& [id, value] : entries) {
    payload.push_back(static_cast<std::uint8_t>(id >> 8));
    payload.push_back(static_cast<std::uint8_t>(id));
    put32(payload, value);
  }
  return frame(NGHTTP2_SETTINGS, 0, 0, payload);
}

Bytes settingsAck() {
  return frame(NGHTTP2_SETTINGS, NGHTTP2_FLAG_ACK, 0);
}

Bytes ping(std::uint8_t flags) {
  return frame(NGHTTP2_PING, flags, 0, Bytes(8, 0x42));
}

Bytes windowUpdate(std::uint32_t stream, std::uint32_t increment) {
  Bytes payload;
  put32(payload, increment);
  return frame(NGHTTP2_WINDOW_UPDATE, 0, stream, payload);
}

Bytes rstStream(std::uint32_t stream, std::uint32_t code) {
  Bytes payload;
  put32(payload, code);
  return frame(NGHTTP2_RST_STREAM, 0, stream, payload);
}

Bytes priority(std::uint32_t stream, std::uint32_t dependsOn) {
  Bytes payload;
  put32(payload, dependsOn);
  payload.push_back(15);
  return frame(NGHTTP2_PRIORITY, 0, stream, payload);
}

Bytes data(std::uint32_t stream, std::string_view bytes, bool endStream) {
  return frame(NGHTTP2_DATA, endStream ? NGHTTP2_FLAG_END_STREAM : 0, stream,
               Bytes(bytes.begin(), bytes.end()));
}

Bytes goaway(std::uint32_t lastStream, std::uint32_t code) {
  Bytes payload;
  put32(payload, lastStream);
  put32(payload, code);
  return frame(NGHTTP2_GOAWAY, 0, 0, payload);
}

Bytes headers(std::uint32_t stream, const Bytes& block, bool endStream, bool endHeaders) {
  std::uint8_t flags = endHeaders ? NGHTTP2_FLAG_END_HEADERS : 0;
  if (endStream)
    flags |= NGHTTP2_FLAG_END_STREAM;
  return frame(NGHTTP2_HEADERS, flags, stream, block);
}

Bytes continuation(std::uint32_t stream, const Bytes& block, bool endHeaders) {
  return frame(NGHTTP2_CONTINUATION, endHeaders ? NGHTTP2_FLAG_END_HEADERS : 0, stream, block);
}

void appendInteger(Bytes& out, std::uint8_t flags, int prefixBits, std::size_t value) {
  const std::size_t limit = (1U << prefixBits) - 1;
  if (value < limit) {
    out.push_back(static_cast<std::uint8_t>(flags | value));
    return;
  }
  out.push_back(static_cast<std::uint8_t>(flags | limit));
  value -= limit;
  while (value >= 128) {
    out.push_back(static_cast<std::uint8_t>(0x80 | (value & 0x7f)));
    value >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(value));
}

}  // namespace frames

HpackEncoder::HpackEncoder() {
  if (nghttp2_hd_deflate_new(&deflater_, 4096) != 0)
    throw std::bad_alloc();
}

HpackEncoder::~HpackEncoder() {
  nghttp2_hd_deflate_del(deflater_);
}

Bytes HpackEncoder::encode(const Fields& fields) {
  std::vector<nghttp2_nv> nva;
  for (const auto& [name, value] : fields) {
    nghttp2_nv nv{};
    nv.name = reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data()));  // NOLINT
    nv.namelen = name.size();
    nv.value = reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data()));  // NOLINT
    nv.valuelen = value.size();
    nva.push_back(nv);
  }
  Bytes out(nghttp2_hd_deflate_bound(deflater_, nva.data(), nva.size()));
  const auto written =
      nghttp2_hd_deflate_hd(deflater_, out.data(), out.size(), nva.data(), nva.size());
  EXPECT_GE(written, 0);
  out.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return out;
}

Fields requestFields(std::string_view path, const Fields& extra) {
  Fields fields{{":method", "GET"},
                {":scheme", "http"},
                {":authority", "web.test"},
                {":path", std::string(path)}};
  fields.insert(fields.end(), extra.begin(), extra.end());
  return fields;
}

std::uint32_t ParsedFrame::errorCode() const {
  const std::size_t at = type == NGHTTP2_GOAWAY ? 4 : 0;
  if (payload.size() < at + 4)
    return 0xffffffffU;
  return (std::uint32_t{payload[at]} << 24) | (std::uint32_t{payload[at + 1]} << 16) |
         (std::uint32_t{payload[at + 2]} << 8) | payload[at + 3];
}

RequestHandler okHandler() {
  return [](ServerStream& stream) -> boost::asio::awaitable<void> {
    co_await collect([&] { return stream.readBody(); });
    ResponseHead head;
    head.headers.add("content-length", "2");
    if (co_await stream.sendHeaders(head, false)) {
      static constexpr std::string_view kOk = "ok";
      co_await stream.sendData({reinterpret_cast<const std::uint8_t*>(kOk.data()), kOk.size()},
                               true);
    }
  };
}

RawClientHarness::RawClientHarness(HttpSettings settings, RequestHandler handler, bool smallBuffers)
    : settings_(settings), handler_(handler ? std::move(handler) : okHandler()) {
  using boost::asio::ip::tcp;
  tcp::acceptor acceptor(serverContext_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  client_.open(tcp::v4());
  if (smallBuffers)
    client_.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  client_.connect(acceptor.local_endpoint());
  auto accepted = std::make_shared<tcp::socket>(acceptor.accept());
  if (smallBuffers)
    accepted->set_option(boost::asio::socket_base::send_buffer_size(4096));
  end_ = boost::asio::co_spawn(serverContext_, serve(accepted), boost::asio::use_future);
  thread_ = std::thread([this] { serverContext_.run(); });
}

boost::asio::awaitable<ServerConnectionEnd> RawClientHarness::serve(
    std::shared_ptr<boost::asio::ip::tcp::socket> socket) {
  PlainStream stream(*socket);
  Http2ServerConnection connection(stream, settings_, events_, {});
  const auto end =
      co_await connection.serve([this](ServerStream& request) -> boost::asio::awaitable<void> {
        ++handlersStarted_;
        return handler_(request);
      });
  boost::system::error_code ignored;
  socket->close(ignored);
  co_return end;
}

RawClientHarness::~RawClientHarness() {
  boost::system::error_code ignored;
  client_.close(ignored);
  if (end_.valid())
    end_.wait_for(std::chrono::seconds(30));
  serverContext_.stop();
  thread_.join();
}

void RawClientHarness::sendPreface() {
  Bytes bytes(frames::kPreface.begin(), frames::kPreface.end());
  frames::append(bytes, frames::settings());
  frames::append(bytes, frames::settingsAck());
  send(bytes);
}

RawServerHarness::RawServerHarness(HttpSettings clientSettings) {
  using boost::asio::ip::tcp;
  tcp::acceptor acceptor(serverContext_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  tcp::socket socket(clientContext_);
  socket.connect(acceptor.local_endpoint());
  server_ = acceptor.accept();
  connection_ = Http2ClientConnection::make(OwnedByteStream::plain(std::move(socket)),
                                            clientSettings, events_)
                    .value();
  thread_ = std::thread([this] {
    auto guard = boost::asio::make_work_guard(clientContext_);
    clientContext_.run();
  });
}

RawServerHarness::~RawServerHarness() {
  boost::system::error_code ignored;
  server_.close(ignored);
  clientContext_.stop();
  thread_.join();
  // The connection's loops end once it is aborted: let them, on this thread now.
  connection_.reset();
  clientContext_.restart();
  clientContext_.run_for(std::chrono::seconds(2));
}

void RawServerHarness::handshake(
    const std::vector<std::pair<std::uint16_t, std::uint32_t>>& settings) {
  Bytes preface(frames::kPreface.size());
  boost::asio::read(server_, boost::asio::buffer(preface));  // before FrameSocket reads
  EXPECT_TRUE(std::equal(preface.begin(), preface.end(), frames::kPreface.begin()));
  const auto seen =
      wire_.readUntil([](const ParsedFrame& f) { return f.type == NGHTTP2_SETTINGS; });
  EXPECT_FALSE(seen.empty());
  Bytes answer = frames::settings(settings);
  frames::append(answer, frames::settingsAck());
  wire_.send(answer);
}

std::future<void> RawServerHarness::client(
    std::function<boost::asio::awaitable<void>(Http2ClientConnection&)> scenario) {
  return boost::asio::co_spawn(
      clientContext_,
      [](Http2ClientConnection& connection,
         std::function<boost::asio::awaitable<void>(Http2ClientConnection&)> run)
          -> boost::asio::awaitable<void> { co_await run(connection); }(*connection_,
                                                                        std::move(scenario)),
      boost::asio::use_future);
}

void RawServerHarness::awaitRequests(std::initializer_list<std::uint32_t> streams) {
  std::vector<std::uint32_t> missing(streams);
  wire_.readUntil([&](const ParsedFrame& f) {
    if (f.type == NGHTTP2_HEADERS)
      std::erase(missing, f.stream);
    return missing.empty();
  });
  EXPECT_TRUE(missing.empty()) << "requests that never came: " << missing.size();
}

void RawServerHarness::closeSocket() {
  boost::system::error_code ignored;
  server_.shutdown(boost::asio::socket_base::shutdown_both, ignored);
  server_.close(ignored);
}

namespace {

// Waits up to five seconds for `events` on the socket (Asio's blocking calls would wait
// forever, whatever SO_RCVTIMEO says): a test never hangs on a peer that went quiet.
bool ready(boost::asio::ip::tcp::socket& socket, short events) {
  pollfd watched{socket.native_handle(), events, 0};
  return ::poll(&watched, 1, 5000) > 0;
}

}  // namespace

FrameSocket::FrameSocket(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}

bool FrameSocket::send(const Bytes& bytes) {
  if (!socket_.non_blocking())
    socket_.non_blocking(true);
  std::size_t at = 0;
  while (at < bytes.size()) {
    boost::system::error_code error;
    at += socket_.write_some(boost::asio::buffer(bytes.data() + at, bytes.size() - at), error);
    if (error == boost::asio::error::would_block || error == boost::asio::error::try_again) {
      if (!ready(socket_, POLLOUT))
        return false;
      continue;
    }
    if (error)
      return false;
  }
  return true;
}

std::vector<ParsedFrame> FrameSocket::readUntil(
    const std::function<bool(const ParsedFrame&)>& until, std::chrono::milliseconds limit) {
  std::vector<ParsedFrame> seen;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    while (pending_.size() >= 9) {
      const std::size_t length =
          (std::size_t{pending_[0]} << 16) | (std::size_t{pending_[1]} << 8) | pending_[2];
      if (pending_.size() < 9 + length)
        break;
      ParsedFrame parsed;
      parsed.type = pending_[3];
      parsed.flags = pending_[4];
      parsed.stream = ((std::uint32_t{pending_[5]} << 24) | (std::uint32_t{pending_[6]} << 16) |
                       (std::uint32_t{pending_[7]} << 8) | pending_[8]) &
                      0x7fffffffU;
      parsed.payload.assign(pending_.begin() + 9, pending_.begin() + 9 + static_cast<long>(length));
      pending_.erase(pending_.begin(), pending_.begin() + 9 + static_cast<long>(length));
      seen.push_back(parsed);
      if (until(parsed))
        return seen;
    }
    std::array<std::uint8_t, 16384> buffer{};
    if (!socket_.non_blocking())
      socket_.non_blocking(true);
    if (!ready(socket_, POLLIN))
      break;  // quiet for five seconds
    boost::system::error_code error;
    const auto count = socket_.read_some(boost::asio::buffer(buffer), error);
    if (error == boost::asio::error::would_block || error == boost::asio::error::try_again)
      continue;
    if (error) {
      closed_ = true;
      break;  // closed or reset
    }
    pending_.insert(pending_.end(), buffer.begin(), buffer.begin() + static_cast<long>(count));
  }
  return seen;
}

std::optional<ParsedFrame> FrameSocket::awaitGoaway() {
  auto seen = readUntil([](const ParsedFrame& f) { return f.type == NGHTTP2_GOAWAY; });
  if (seen.empty() || seen.back().type != NGHTTP2_GOAWAY)
    return std::nullopt;
  return seen.back();
}

std::optional<ParsedFrame> FrameSocket::awaitStreamEnd(std::uint32_t stream) {
  auto seen = readUntil([stream](const ParsedFrame& f) {
    return f.stream == stream && (f.type == NGHTTP2_RST_STREAM ||
                                  ((f.type == NGHTTP2_HEADERS || f.type == NGHTTP2_DATA) &&
                                   (f.flags & NGHTTP2_FLAG_END_STREAM) != 0));
  });
  if (seen.empty() || seen.back().stream != stream)
    return std::nullopt;
  return seen.back();
}

bool FrameSocket::awaitClose() {
  readUntil([](const ParsedFrame&) { return false; });
  return closed_;
}

ServerConnectionEnd RawClientHarness::awaitEnd() {
  if (end_.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    ADD_FAILURE() << "serve() did not return";
    return ServerConnectionEnd::aborted;
  }
  return end_.get();
}

}  // namespace wasmesh::proxy::http::test
