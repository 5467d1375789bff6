#include "wasmesh/proxy/http/HttpConnectionManager.h"

#include <utility>

namespace wasmesh::proxy::http {

HttpConnectionManager::HttpConnectionManager(HttpConnectionContext context,
                                             HttpWorkerServices& services)
    : context_(std::move(context)), services_(services) {}

const HttpSettings& HttpConnectionManager::settings() const noexcept {
  return context_.direction == Direction::inbound ? services_.inboundSettings
                                                  : services_.outboundSettings;
}

void HttpConnectionManager::onEvent(CodecEvent event) {
  services_.metrics.codecEvent(context_.direction, context_.downstreamVersion, event);
}

ConnectionLabels HttpConnectionManager::labels() const {
  ConnectionLabels labels;
  labels.direction = context_.direction;
  const auto& target = context_.target;
  labels.targetIp = target.address().to_string();
  labels.targetPort = std::to_string(target.port());
  labels.targetAddr = target.address().is_v6() ? "[" + labels.targetIp + "]:" + labels.targetPort
                                               : labels.targetIp + ":" + labels.targetPort;
  if (context_.direction == Direction::inbound) {
    if (context_.clientId) {
      labels.tls = "true";
      labels.identityLabel = "client_id";
      labels.identityValue = *context_.clientId;
    } else {
      labels.tls = "no_identity";
      labels.identityLabel = "no_tls_reason";
      labels.identityValue = "no_tls_from_remote";
    }
  } else if (context_.destination != nullptr) {
    labels.tls = "true";
    labels.identityLabel = "server_id";
    labels.identityValue = context_.destination->identity.toString();
  } else {
    labels.tls = "no_identity";
    labels.identityLabel = "no_tls_reason";
    labels.identityValue = "not_provided_by_service_discovery";
  }
  return labels;
}

boost::asio::awaitable<HttpServeOutcome> HttpConnectionManager::serve(ServerConnection& codec) {
  auto& metrics = services_.metrics.connection(labels());
  const auto end =
      co_await codec.serve([this, &metrics](ServerStream& stream) -> boost::asio::awaitable<void> {
        HttpExchange exchange(stream, context_, services_, metrics);
        if (auto upgraded = co_await exchange.run())
          upgrade_ = std::move(upgraded);
      });
  co_return HttpServeOutcome{end, std::move(upgrade_)};
}

}  // namespace wasmesh::proxy::http
