#include "Http2ServerStream.h"

#include <nghttp2/nghttp2.h>

#include "Http2ServerSession.h"

namespace wasmesh::proxy::http {

Http2ServerStream::Http2ServerStream(Http2ServerSession& session, std::shared_ptr<Http2Stream> core,
                                     RequestHead request)
    : session_(session), core_(std::move(core)), request_(std::move(request)) {}

boost::asio::awaitable<Result<BodyChunk>> Http2ServerStream::readBody() {
  co_return co_await core_->readBody();
}

boost::asio::awaitable<Result<void>> Http2ServerStream::sendInformational(
    const ResponseHead& head) {
  // RFC 9113 section 8.6: no 101 in HTTP/2.
  if (headersSent_ || !head.informational() || head.status == 101)
    co_return errc::http_malformed_message;
  co_return session_.submitInformational(*core_, head);
}

boost::asio::awaitable<Result<void>> Http2ServerStream::sendHeaders(const ResponseHead& head,
                                                                    bool endStream) {
  if (headersSent_ || head.informational())
    co_return errc::http_malformed_message;
  bodyless_ = request_.method == "HEAD" || head.status == 204 || head.status == 304;
  auto submitted = session_.submitResponse(*core_, head, endStream || bodyless_);
  if (submitted)
    headersSent_ = true;
  co_return submitted;
}

boost::asio::awaitable<Result<void>> Http2ServerStream::sendData(std::span<const std::uint8_t> data,
                                                                 bool endStream) {
  if (bodyless_ && headersSent_)
    co_return Result<void>{};
  co_return co_await core_->sendData(data, endStream);
}

boost::asio::awaitable<Result<void>> Http2ServerStream::sendTrailers(const HeaderMap& trailers) {
  if (bodyless_ && headersSent_)
    co_return Result<void>{};
  co_return co_await core_->sendTrailers(trailers);
}

void Http2ServerStream::reset(bool cancel) {
  core_->reset(cancel ? NGHTTP2_CANCEL : NGHTTP2_INTERNAL_ERROR);
}

}  // namespace wasmesh::proxy::http
