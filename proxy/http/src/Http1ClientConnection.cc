#include "wasmesh/proxy/http/Http1ClientConnection.h"

#include <sys/socket.h>

#include "wasmesh/proxy/http/Http1ResponseReader.h"
#include "wasmesh/proxy/http/Http1Writer.h"

namespace wasmesh::proxy::http {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// One request and its response on the connection.
class Http1ClientConnection::Exchange final : public ClientStream {
 public:
  Exchange(std::shared_ptr<Http1ClientConnection> connection, const RequestHead& head)
      : connection_(std::move(connection)),
        writer_(*connection_->stream_),
        reader_(connection_->settings_, head.method == "HEAD"),
        upgradeAsked_(!head.upgrade.empty()) {}

  ~Exchange() override { finish(); }

  Http1Writer& writer() noexcept { return writer_; }

  boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data,
                                                bool endStream) override {
    co_return co_await writer_.writeData(data, endStream);
  }
  boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers) override {
    co_return co_await writer_.writeTrailers(trailers);
  }

  boost::asio::awaitable<Result<ResponseHead>> readHeaders() override {
    auto head = co_await reader_.readHead(connection_->input_, deadline());
    if (!head) {
      broken_ = true;
      co_return head;
    }
    if (head->status == 101 && upgradeAsked_)
      upgraded_ = true;
    co_return head;
  }

  boost::asio::awaitable<Result<BodyChunk>> readBody() override {
    auto chunk = co_await reader_.readBody(connection_->input_, deadline());
    if (!chunk)
      broken_ = true;
    co_return chunk;
  }

  void reset() override { broken_ = true; }

  Result<UpgradedStream> takeUpgraded() override {
    if (!upgraded_)
      return errc::http_not_upgradable;
    taken_ = true;
    return UpgradedStream{connection_->stream_.get(), connection_->input_.takeRemaining()};
  }

 private:
  Clock::time_point deadline() const { return Clock::now() + connection_->settings_.idleTimeout; }

  // Back to the pool only after a complete, framed exchange the upstream agreed to keep.
  void finish() {
    auto& connection = *connection_;
    reader_.releaseBody(connection.input_);
    if (taken_ || upgraded_) {
      // The stream belongs to the relay now; the connection is spent.
      connection.closed_ = true;
      return;
    }
    const bool reusable = !broken_ && writer_.complete() && !writer_.closesConnection() &&
                          reader_.done() && reader_.keepAlive() && connection.input_.empty();
    if (!reusable)
      connection.close();
    connection.busy_ = false;
    connection.idleSince_ = Clock::now();
  }

  std::shared_ptr<Http1ClientConnection> connection_;
  Http1Writer writer_;
  Http1ResponseReader reader_;
  bool upgradeAsked_;
  bool upgraded_ = false;
  bool taken_ = false;
  bool broken_ = false;
};

Http1ClientConnection::Http1ClientConnection(std::unique_ptr<boost::asio::ip::tcp::socket> socket,
                                             std::unique_ptr<ByteStream> stream,
                                             const HttpSettings& settings)
    : socket_(std::move(socket)),
      stream_(std::move(stream)),
      settings_(settings),
      input_(*stream_, settings.maxStartLineBytes + settings.maxHeaderListBytes) {}

Http1ClientConnection::~Http1ClientConnection() {
  close();
}

bool Http1ClientConnection::available() const {
  return !busy_ && !closed_;
}

void Http1ClientConnection::close() {
  if (closed_)
    return;
  closed_ = true;
  boost::system::error_code ignored;
  if (socket_ && socket_->is_open()) {
    if (busy_) {
      // Mid-exchange: the message cannot be finished, so the upstream is told with a reset.
      socket_->set_option(boost::asio::socket_base::linger(true, 0), ignored);
    }
    socket_->close(ignored);
  }
}

bool Http1ClientConnection::idleButDead() {
  if (closed_ || !socket_->is_open())
    return true;
  if (Clock::now() - idleSince_ < kTrustedIdle)
    return false;
  char probe = 0;
  const auto peeked = ::recv(socket_->native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  // Nothing to read is the healthy state; a FIN (0), unsolicited bytes or an error are not.
  if (peeked < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return false;
  close();
  return true;
}

boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> Http1ClientConnection::startRequest(
    const RequestHead& head, bool endStream) {
  if (!available())
    co_return make_error_code(errc::http_upstream_unavailable);
  busy_ = true;
  auto exchange = std::make_unique<Exchange>(shared_from_this(), head);
  RequestHead upstreamHead = head;
  upstreamHead.version = head.version == Version::http10 ? Version::http10 : Version::http11;
  if (auto written = co_await exchange->writer().writeRequestHead(upstreamHead, endStream);
      !written) {
    exchange->reset();
    co_return written.error();
  }
  co_return std::unique_ptr<ClientStream>(std::move(exchange));
}

}  // namespace wasmesh::proxy::http
