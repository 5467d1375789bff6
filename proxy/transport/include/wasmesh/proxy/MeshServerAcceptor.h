#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wasmesh/identity/IdentityStore.h"
#include "wasmesh/proxy/TlsStream.h"
#include "wasmesh/proxy/TransportHeader.h"

namespace wasmesh::proxy {

// The inbound half of the mesh transport (docs/mesh-transport.md): terminates mesh TLS as
// the local identity the ClientHello's SNI names, with a verified client certificate, and
// reads the transport header that says where the connection goes.
class MeshServerAcceptor {
 public:
  struct Outcome {
    std::unique_ptr<TlsStream> stream;  // set on success
    TransportHeader header;
    std::string clientId;  // the SPIFFE ID the client proved
    // Application bytes that arrived with the header, to be written to the target first.
    std::vector<std::uint8_t> early;
    boost::system::error_code error;
    std::string_view label;  // static: the `error` label of inbound_tcp_errors_total
    std::string detail;      // for the log
  };

  // The direct path: nothing has been read from `client` yet. The ClientHello, handshake and
  // header must all arrive before `deadline`.
  static boost::asio::awaitable<Outcome> accept(boost::asio::ip::tcp::socket& client,
                                                const identity::IdentitySnapshot& identities,
                                                std::chrono::steady_clock::time_point deadline);

  // Detection already read the ClientHello (`clientHello`) and found `serverName` in it.
  static boost::asio::awaitable<Outcome> accept(boost::asio::ip::tcp::socket& client,
                                                std::span<const std::uint8_t> clientHello,
                                                std::string_view serverName,
                                                const identity::IdentitySnapshot& identities,
                                                std::chrono::steady_clock::time_point deadline);
};

}  // namespace wasmesh::proxy
