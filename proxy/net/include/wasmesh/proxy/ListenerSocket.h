#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {

// Opens a listening socket with SO_REUSEPORT so that every worker can bind the same address
// and the kernel spreads connections between them. IPv6 sockets are v6-only so that
// 0.0.0.0:P and [::]:P can both be bound.
Result<boost::asio::ip::tcp::acceptor> openListenerSocket(
    boost::asio::io_context& context, const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace wasmesh::proxy
