#include "wasmesh/proxy/http/UpstreamConnector.h"

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/MeshClientConnector.h"
#include "wasmesh/proxy/PlainStream.h"
#include "wasmesh/proxy/TimedConnect.h"

namespace wasmesh::proxy::http {
namespace {

using Outcome = boost::system::result<ConnectedStream, ConnectFailure>;

Outcome failed(boost::system::error_code error, std::string_view label, std::string detail) {
  return Outcome(boost::system::in_place_error, ConnectFailure{error, label, std::move(detail)});
}

}  // namespace

Connector makeUpstreamConnector(const identity::IdentityStore* identities,
                                const DiscoveryFile* discovery,
                                std::chrono::milliseconds connectTimeout) {
  return [identities, discovery,
          connectTimeout](const UpstreamKey& key) -> boost::asio::awaitable<Outcome> {
    const auto executor = co_await boost::asio::this_coro::executor;
    auto socket = std::make_unique<boost::asio::ip::tcp::socket>(executor);
    if (!key.mesh) {
      if (auto error = co_await connectWithin(*socket, key.endpoint, connectTimeout)) {
        co_return failed(error,
                         error == errc::connect_timeout ? "connect_timeout" : "connect_refused",
                         error.message());
      }
      auto stream = std::make_unique<PlainStream>(*socket);
      co_return Outcome(ConnectedStream{std::move(socket), std::move(stream)});
    }
    // The table is read now: a destination dropped from discovery since routing is not
    // meshed any more, and the request fails rather than leave in clear.
    const auto table = discovery != nullptr ? discovery->current() : nullptr;
    const auto* destination = table ? table->lookup(key.endpoint.address()) : nullptr;
    if (identities == nullptr || destination == nullptr) {
      co_return failed(make_error_code(errc::identity_mismatch), "not_meshed",
                       "the destination is no longer in discovery");
    }
    const auto snapshot = identities->current();
    const auto local = snapshot ? snapshot->byId(identities->workload()) : nullptr;
    if (!local || !identities->ready()) {
      co_return failed(make_error_code(errc::identity_not_ready), "identity_not_ready",
                       make_error_code(errc::identity_not_ready).message());
    }
    const TransportHeader header{
        key.meshTargetPort,
        key.protocol == Version::http2 ? SessionProtocol::http2 : SessionProtocol::http1,
        std::nullopt};
    auto connected = co_await MeshClientConnector::connect(*socket, key.endpoint, *destination,
                                                           *local, header, connectTimeout);
    if (!connected.stream)
      co_return failed(connected.error, connected.label, std::move(connected.detail));
    co_return Outcome(ConnectedStream{std::move(socket), std::move(connected.stream)});
  };
}

}  // namespace wasmesh::proxy::http
