#include "Http2ClientStream.h"

#include <nghttp2/nghttp2.h>

namespace wasmesh::proxy::http {

Http2ClientStream::Http2ClientStream(std::shared_ptr<Http2ClientSession> session,
                                     std::shared_ptr<Http2Stream> core)
    : session_(std::move(session)), core_(std::move(core)) {}

Http2ClientStream::~Http2ClientStream() {
  core_->release(NGHTTP2_CANCEL, NGHTTP2_CANCEL);
}

boost::asio::awaitable<Result<void>> Http2ClientStream::sendData(std::span<const std::uint8_t> data,
                                                                 bool endStream) {
  co_return co_await core_->sendData(data, endStream);
}

boost::asio::awaitable<Result<void>> Http2ClientStream::sendTrailers(const HeaderMap& trailers) {
  co_return co_await core_->sendTrailers(trailers);
}

boost::asio::awaitable<Result<ResponseHead>> Http2ClientStream::readHeaders() {
  co_return co_await core_->readResponseHead();
}

boost::asio::awaitable<Result<BodyChunk>> Http2ClientStream::readBody() {
  co_return co_await core_->readBody();
}

void Http2ClientStream::reset() {
  core_->reset(NGHTTP2_CANCEL);
}

}  // namespace wasmesh::proxy::http
