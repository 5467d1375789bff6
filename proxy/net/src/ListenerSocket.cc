#include "wasmesh/proxy/ListenerSocket.h"

#include <sys/socket.h>

#include <boost/asio/detail/socket_option.hpp>
#include <boost/asio/ip/v6_only.hpp>

namespace wasmesh::proxy {

Result<boost::asio::ip::tcp::acceptor> openListenerSocket(
    boost::asio::io_context& context, const boost::asio::ip::tcp::endpoint& endpoint,
    PortSharing sharing) {
  using ReusePort = boost::asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
  boost::asio::ip::tcp::acceptor acceptor(context);
  boost::system::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec)
    return ec;
  acceptor.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (ec)
    return ec;
  if (sharing == PortSharing::perWorker) {
    acceptor.set_option(ReusePort(true), ec);
    if (ec)
      return ec;
  }
  if (endpoint.address().is_v6()) {
    acceptor.set_option(boost::asio::ip::v6_only(true), ec);
    if (ec)
      return ec;
  }
  acceptor.bind(endpoint, ec);
  if (ec)
    return ec;
  acceptor.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec)
    return ec;
  return acceptor;
}

}  // namespace wasmesh::proxy
