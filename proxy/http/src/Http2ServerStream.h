#pragma once

#include <memory>

#include "Http2Stream.h"
#include "wasmesh/proxy/http/ServerStream.h"

namespace wasmesh::proxy::http {

class Http2ServerSession;

// A request on a downstream HTTP/2 connection, as its handler sees it.
class Http2ServerStream final : public ServerStream {
 public:
  Http2ServerStream(Http2ServerSession& session, std::shared_ptr<Http2Stream> core,
                    RequestHead request);

  const RequestHead& request() const override { return request_; }
  boost::asio::awaitable<Result<BodyChunk>> readBody() override;
  boost::asio::awaitable<Result<void>> sendInformational(const ResponseHead& head) override;
  boost::asio::awaitable<Result<void>> sendHeaders(const ResponseHead& head,
                                                   bool endStream) override;
  boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data,
                                                bool endStream) override;
  boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers) override;
  void reset(bool cancel) override;
  Result<UpgradedStream> takeUpgraded() override { return errc::http_not_upgradable; }

  Http2Stream& core() noexcept { return *core_; }

 private:
  Http2ServerSession& session_;
  std::shared_ptr<Http2Stream> core_;
  RequestHead request_;
  bool headersSent_ = false;
  // A response to HEAD, or a 204 or 304: it has no content (RFC 9110 section 6.4.1), so
  // body bytes the handler passes on are dropped and END_STREAM goes with the head.
  bool bodyless_ = false;
};

}  // namespace wasmesh::proxy::http
