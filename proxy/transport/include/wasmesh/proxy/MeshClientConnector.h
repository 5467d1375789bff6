#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "wasmesh/identity/MeshTlsContext.h"
#include "wasmesh/proxy/DiscoveryTable.h"
#include "wasmesh/proxy/TlsStream.h"
#include "wasmesh/proxy/TransportHeader.h"

namespace wasmesh::proxy {

// The outbound half of the mesh transport (docs/mesh-transport.md): connects to a meshed
// destination's mesh port, proves the local identity, checks that the peer is the identity
// discovery names, and writes the transport header. Nothing of the application has been
// sent when it returns, so a refusal costs the application only a reset.
class MeshClientConnector {
 public:
  struct Outcome {
    std::unique_ptr<TlsStream> stream;  // set on success
    boost::system::error_code error;
    std::string_view label;  // static: the `error` label of outbound_tcp_errors_total
    std::string detail;      // for the log
  };

  // `timeout` bounds the TCP connect and, again, the handshake with the header write.
  static boost::asio::awaitable<Outcome> connect(boost::asio::ip::tcp::socket& server,
                                                 const boost::asio::ip::tcp::endpoint& meshEndpoint,
                                                 const Destination& destination,
                                                 const identity::MeshTlsContext& local,
                                                 const TransportHeader& header,
                                                 std::chrono::milliseconds timeout);
};

}  // namespace wasmesh::proxy
