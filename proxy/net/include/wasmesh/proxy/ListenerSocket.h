#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {

// Whether other sockets may bind the same address: data listeners share it between workers
// (SO_REUSEPORT, the kernel spreads connections); the admin listener must not.
enum class PortSharing { exclusive, perWorker };

// Opens a listening socket. IPv6 sockets are v6-only so that 0.0.0.0:P and [::]:P can both
// be bound.
Result<boost::asio::ip::tcp::acceptor> openListenerSocket(
    boost::asio::io_context& context, const boost::asio::ip::tcp::endpoint& endpoint,
    PortSharing sharing = PortSharing::perWorker);

}  // namespace wasmesh::proxy
