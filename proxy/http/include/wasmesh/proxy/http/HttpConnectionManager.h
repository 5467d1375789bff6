#pragma once

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpContext.h"
#include "wasmesh/proxy/http/HttpExchange.h"
#include "wasmesh/proxy/http/ServerConnection.h"

namespace wasmesh::proxy::http {

// How an HTTP connection ended, for the TCP layer that handed it over.
struct HttpServeOutcome {
  ServerConnectionEnd end = ServerConnectionEnd::closed;
  // Set after a 101: both sides switched protocols and are to be relayed as bytes.
  std::optional<UpgradedPair> upgrade;
};

// Serves one downstream HTTP connection (Envoy's connection manager, kept small): the codec
// delivers requests, each runs as an HttpExchange against the worker's pool, codec events are
// counted. The TCP layer builds the codec for the detected protocol and calls serve().
class HttpConnectionManager final : public CodecObserver {
 public:
  HttpConnectionManager(HttpConnectionContext context, HttpWorkerServices& services);

  boost::asio::awaitable<HttpServeOutcome> serve(ServerConnection& codec);

  void onEvent(CodecEvent event) override;

  const HttpConnectionContext& context() const noexcept { return context_; }
  const HttpSettings& settings() const noexcept;

 private:
  ConnectionLabels labels() const;

  HttpConnectionContext context_;
  HttpWorkerServices& services_;
  std::optional<UpgradedPair> upgrade_;
};

}  // namespace wasmesh::proxy::http
