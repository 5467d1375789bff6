#pragma once

#include <memory>

#include "Http2ClientSession.h"
#include "Http2Stream.h"
#include "wasmesh/proxy/http/ClientStream.h"

namespace wasmesh::proxy::http {

// A request on an upstream HTTP/2 connection. Destroying it before the exchange completed
// cancels the stream (RST_STREAM CANCEL); response bytes it did not read are acknowledged.
class Http2ClientStream final : public ClientStream {
 public:
  Http2ClientStream(std::shared_ptr<Http2ClientSession> session, std::shared_ptr<Http2Stream> core);
  ~Http2ClientStream() override;
  Http2ClientStream(const Http2ClientStream&) = delete;
  Http2ClientStream& operator=(const Http2ClientStream&) = delete;

  boost::asio::awaitable<Result<void>> sendData(std::span<const std::uint8_t> data,
                                                bool endStream) override;
  boost::asio::awaitable<Result<void>> sendTrailers(const HeaderMap& trailers) override;
  boost::asio::awaitable<Result<ResponseHead>> readHeaders() override;
  boost::asio::awaitable<Result<BodyChunk>> readBody() override;
  void reset() override;
  Result<UpgradedStream> takeUpgraded() override { return errc::http_not_upgradable; }

 private:
  std::shared_ptr<Http2ClientSession> session_;
  std::shared_ptr<Http2Stream> core_;
};

}  // namespace wasmesh::proxy::http
