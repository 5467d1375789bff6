#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>

namespace wasmesh::proxy {

// TCP keepalive and TCP_USER_TIMEOUT on a connected socket, so that a peer that vanished
// (a deleted pod, a partition) is noticed in seconds rather than at the idle timeout, and
// the connection's twin on the other side is closed with it. `keepalive` is the idle time
// before the first probe; probes follow a third of it apart, three of them. Zero turns either
// off. Failures are ignored: the socket works without them.
void applyKeepalive(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds keepalive,
                    std::chrono::milliseconds userTimeout);

}  // namespace wasmesh::proxy
