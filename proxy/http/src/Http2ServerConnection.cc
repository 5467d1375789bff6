#include "wasmesh/proxy/http/Http2ServerConnection.h"

#include "Http2ServerSession.h"

namespace wasmesh::proxy::http {

Http2ServerConnection::Http2ServerConnection(ByteStream& stream, const HttpSettings& settings,
                                             CodecObserver& observer,
                                             std::span<const std::uint8_t> alreadyRead)
    : session_(std::make_unique<Http2ServerSession>(stream, settings, observer, alreadyRead)) {}

Http2ServerConnection::~Http2ServerConnection() = default;

boost::asio::awaitable<ServerConnectionEnd> Http2ServerConnection::serve(RequestHandler handler) {
  co_return co_await session_->serve(std::move(handler));
}

void Http2ServerConnection::drain() {
  session_->drain();
}

void Http2ServerConnection::abort() {
  session_->abort();
}

}  // namespace wasmesh::proxy::http
