#include "wasmesh/proxy/http/Http2ClientConnection.h"

#include "Http2ClientSession.h"
#include "Http2ClientStream.h"

namespace wasmesh::proxy::http {

Result<std::unique_ptr<Http2ClientConnection>> Http2ClientConnection::make(
    std::unique_ptr<ByteStream> stream, const HttpSettings& settings, CodecObserver& observer) {
  auto session = std::make_shared<Http2ClientSession>(std::move(stream), settings, observer);
  if (auto running = session->run(); !running)
    return running.error();
  return std::unique_ptr<Http2ClientConnection>(new Http2ClientConnection(std::move(session)));
}

Http2ClientConnection::Http2ClientConnection(std::shared_ptr<Http2ClientSession> session)
    : session_(std::move(session)) {}

Http2ClientConnection::~Http2ClientConnection() {
  session_->abort();
}

bool Http2ClientConnection::available() const {
  return session_->available();
}

bool Http2ClientConnection::closed() const {
  return session_->closed();
}

boost::asio::awaitable<Result<std::unique_ptr<ClientStream>>> Http2ClientConnection::startRequest(
    const RequestHead& head, bool endStream) {
  auto stream = session_->startRequest(head, endStream);
  if (!stream)
    co_return stream.error();
  co_return std::unique_ptr<ClientStream>(
      std::make_unique<Http2ClientStream>(session_, std::move(*stream)));
}

void Http2ClientConnection::close() {
  session_->close();
}

void Http2ClientConnection::abort() {
  session_->abort();
}

std::size_t Http2ClientConnection::activeStreams() const {
  return session_->activeStreams();
}

}  // namespace wasmesh::proxy::http
