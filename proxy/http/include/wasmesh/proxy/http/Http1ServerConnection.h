#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <memory>
#include <span>

#include "wasmesh/proxy/ByteStream.h"
#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/InputBuffer.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy::http {

// A downstream HTTP/1.x connection: requests one after the other (keep-alive, pipelining:
// bytes of the next request wait in the input buffer until the current exchange is done),
// each handed to the handler as a ServerStream. A malformed request is answered with its
// status (400, 408, 413, 414, 431, 505) and the connection closed; nothing of it goes on.
class Http1ServerConnection final : public ServerConnection {
 public:
  // `alreadyRead`: what protocol detection consumed from the stream.
  Http1ServerConnection(ByteStream& stream, const HttpSettings& settings, CodecObserver& observer,
                        std::span<const std::uint8_t> alreadyRead);
  ~Http1ServerConnection() override;

  boost::asio::awaitable<ServerConnectionEnd> serve(RequestHandler handler) override;
  void drain() override;
  void abort() override;

 private:
  class Stream;

  boost::asio::awaitable<void> refuse(unsigned status);

  ByteStream& stream_;
  const HttpSettings& settings_;
  CodecObserver& observer_;
  InputBuffer input_;
  bool draining_ = false;
  bool aborted_ = false;
  // Between requests, waiting for the next one's first byte: a drain ends the wait.
  bool idle_ = false;
};

}  // namespace wasmesh::proxy::http
