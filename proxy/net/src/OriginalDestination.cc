#include "wasmesh/proxy/OriginalDestination.h"

#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6/ip6_tables.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

namespace wasmesh::proxy {

Result<boost::asio::ip::tcp::endpoint> originalDestination(boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  const auto local = socket.local_endpoint(ec);
  if (ec)
    return ec;
  sockaddr_storage storage{};
  const bool v6 = local.address().is_v6() && !local.address().to_v6().is_v4_mapped();
  // The kernel fills in the address but leaves optlen as given, so ask for exactly the
  // family's size: passing sizeof(sockaddr_storage) would come back as 128 bytes.
  socklen_t length = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  const int level = v6 ? SOL_IPV6 : SOL_IP;
  // Both options are 80 in the kernel's headers; the level tells the families apart.
  static_assert(IP6T_SO_ORIGINAL_DST == SO_ORIGINAL_DST);
  const int option = SO_ORIGINAL_DST;
  if (::getsockopt(socket.native_handle(), level, option, &storage, &length) != 0) {
    // ENOENT: conntrack knows no NAT for this flow, so nobody redirected it to us.
    return errc::no_original_destination;
  }
  boost::asio::ip::tcp::endpoint endpoint;
  if (length > endpoint.capacity())
    return errc::no_original_destination;
  std::memcpy(endpoint.data(), &storage, length);
  endpoint.resize(length);
  return endpoint;
}

}  // namespace wasmesh::proxy
