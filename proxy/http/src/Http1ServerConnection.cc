#include "wasmesh/proxy/http/Http1ServerConnection.h"

#include <boost/asio/socket_base.hpp>

#include "wasmesh/proxy/http/Http1RequestReader.h"
#include "wasmesh/proxy/http/Http1Writer.h"

namespace wasmesh::proxy::http {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

// One request of the connection: reads its body through the connection's parser and
// writes its response through an Http1Writer.
class Http1ServerConnection::Stream final : public ServerStream {
 public:
  Stream(Http1ServerConnection& connection, Http1RequestReader& reader, RequestHead head)
      : connection_(connection),
        reader_(reader),
        head_(std::move(head)),
        writer_(connection.stream_) {}

  const RequestHead& request() const override { return head_; }

  boost::asio::awaitable<Result<BodyChunk>> readBody() override {
    if (head_.expectContinue && !continued_ && !responseStarted_) {
      // The client waits for this before sending its body (RFC 9110 section 10.1.1). The
      // proxy answers it itself, as Envoy does, and does not forward the expectation.
      continued_ = true;
      ResponseHead proceed;
      proceed.status = 100;
      if (auto sent = co_await writer_.writeInformational(proceed); !sent)
        co_return sent.error();
    }
    co_return co_await reader_.readBody(connection_.input_,
                                        Clock::now() + connection_.settings_.idleTimeout);
  }

  boost::asio::awaitable<Result<void>> sendInformational(const ResponseHead& head) override {
    if (head.status == 100 && (continued_ || !head_.expectContinue))
      co_return Result<void>();  // already answered, or never asked for
    if (head.status == 100)
      continued_ = true;
    co_return co_await writer_.writeInformational(head);
  }

  boost::asio::awaitable<Result<void>> sendHeaders(const ResponseHead& head,
                                                   bool endStream) override {
    responseStarted_ = true;
    if (head.status == 101) {
      upgraded_ = true;
      co_return co_await writeSwitch(head);
    }
    co_return co_await writer_.writeResponseHead(head, head_, endStream, keepAlive());
  }

  boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data,
                                                bool endStream) override {
    co_return co_await writer_.writeData(data, endStream);
  }

  boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers) override {
    co_return co_await writer_.writeTrailers(trailers);
  }

  void reset(bool) override { broken_ = true; }

  Result<UpgradedStream> takeUpgraded() override {
    if (!upgraded_)
      return errc::http_not_upgradable;
    return UpgradedStream{&connection_.stream_, connection_.input_.takeRemaining()};
  }

  // Whether the connection can carry another request after this one.
  bool reusable() const {
    return !broken_ && !upgraded_ && writer_.complete() && !writer_.closesConnection() &&
           reader_.bodyDone() && keepAlive();
  }
  bool upgraded() const noexcept { return upgraded_; }
  bool responseStarted() const noexcept { return responseStarted_; }

 private:
  bool keepAlive() const { return !connection_.draining_ && reader_.clientKeepAlive(); }

  boost::asio::awaitable<Result<void>> writeSwitch(const ResponseHead& head) {
    ResponseHead switching = head;
    switching.headers.set("connection", "upgrade");
    if (!head_.upgrade.empty() && !switching.headers.contains("upgrade"))
      switching.headers.set("upgrade", head_.upgrade);
    co_return co_await writer_.writeInformational(switching);
  }

  Http1ServerConnection& connection_;
  Http1RequestReader& reader_;
  RequestHead head_;
  Http1Writer writer_;
  bool continued_ = false;
  bool responseStarted_ = false;
  bool upgraded_ = false;
  bool broken_ = false;
};

Http1ServerConnection::Http1ServerConnection(ByteStream& stream, const HttpSettings& settings,
                                             CodecObserver& observer,
                                             std::span<const std::uint8_t> alreadyRead)
    : stream_(stream),
      settings_(settings),
      observer_(observer),
      input_(stream, settings.maxStartLineBytes + settings.maxHeaderListBytes) {
  input_.append(alreadyRead);
}

Http1ServerConnection::~Http1ServerConnection() = default;

void Http1ServerConnection::drain() {
  draining_ = true;
  if (idle_ && input_.empty()) {
    // No request under way: nothing to finish. The read waiting for the next one ends.
    boost::system::error_code ignored;
    stream_.socket().shutdown(boost::asio::socket_base::shutdown_receive, ignored);
  }
}

void Http1ServerConnection::abort() {
  aborted_ = true;
  boost::system::error_code ignored;
  stream_.socket().set_option(boost::asio::socket_base::linger(true, 0), ignored);
  stream_.socket().close(ignored);
}

boost::asio::awaitable<void> Http1ServerConnection::refuse(unsigned status) {
  // The refusal, then the end: bytes after a malformed head cannot be framed.
  Http1Writer writer(stream_);
  RequestHead request;
  ResponseHead response;
  response.status = status;
  static_cast<void>(co_await writer.writeResponseHead(response, request, true, false));
  co_await stream_.shutdownSend();
  // Closing with unread bytes would send a reset, which can destroy the refusal in flight
  // before the client reads it: what the client still sends is read and dropped for a
  // moment first (nginx's lingering close), within a bound.
  constexpr auto kLinger = std::chrono::seconds(1);
  constexpr std::size_t kMaxDiscard = 1 << 20;
  const auto deadline = Clock::now() + kLinger;
  std::size_t discarded = 0;
  while (discarded < kMaxDiscard) {
    input_.consume(input_.data().size());
    if (co_await input_.fill(deadline))
      break;
    discarded += input_.data().size();
  }
}

boost::asio::awaitable<ServerConnectionEnd> Http1ServerConnection::serve(RequestHandler handler) {
  while (!aborted_ && !draining_) {
    Http1RequestReader reader(settings_);
    idle_ = true;
    auto head = co_await reader.readHead(input_, Clock::now() + settings_.idleTimeout);
    idle_ = false;
    if (!head) {
      if (const auto& refusal = reader.refusal()) {
        observer_.onEvent(refusal->event);
        co_await refuse(refusal->status);
        co_return ServerConnectionEnd::refused;
      }
      if (head.error() == errc::http_header_timeout)
        co_return ServerConnectionEnd::timedOut;
      co_return aborted_ ? ServerConnectionEnd::aborted : ServerConnectionEnd::closed;
    }
    Stream stream(*this, reader, std::move(*head));
    co_await handler(stream);
    if (stream.upgraded())
      co_return ServerConnectionEnd::upgraded;
    if (const auto& refusal = reader.refusal()) {
      // A malformed body: counted; the connection cannot go on.
      observer_.onEvent(refusal->event);
      if (!stream.responseStarted())
        co_await refuse(refusal->status);
      co_return ServerConnectionEnd::refused;
    }
    if (!stream.reusable()) {
      co_await stream_.shutdownSend();
      co_return aborted_ ? ServerConnectionEnd::aborted : ServerConnectionEnd::closed;
    }
  }
  if (draining_) {
    co_await stream_.shutdownSend();
    co_return ServerConnectionEnd::closed;
  }
  co_return ServerConnectionEnd::aborted;
}

}  // namespace wasmesh::proxy::http
