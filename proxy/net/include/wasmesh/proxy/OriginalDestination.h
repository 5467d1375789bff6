#pragma once

#include <boost/asio/ip/tcp.hpp>

#include "wasmesh/common/Error.h"

namespace wasmesh::proxy {

// The destination a client dialled before iptables redirected it to us
// (SO_ORIGINAL_DST for IPv4, IP6T_SO_ORIGINAL_DST for IPv6). A connection that was not
// redirected reports our own listener address: callers treat that as a loop.
Result<boost::asio::ip::tcp::endpoint> originalDestination(boost::asio::ip::tcp::socket& socket);

}  // namespace wasmesh::proxy
