#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

namespace wasmesh::proxy {

// Connects `socket` to `target`, or fails with errc::connect_timeout after `timeout`.
// Sets TCP_NODELAY on success: the proxy writes what it reads, at once.
boost::asio::awaitable<boost::system::error_code> connectWithin(
    boost::asio::ip::tcp::socket& socket, const boost::asio::ip::tcp::endpoint& target,
    std::chrono::milliseconds timeout);

}  // namespace wasmesh::proxy
