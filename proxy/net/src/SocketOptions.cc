#include "wasmesh/proxy/SocketOptions.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>

namespace wasmesh::proxy {
namespace {

constexpr int kKeepaliveProbes = 3;

void setInt(int fd, int level, int name, int value) {
  static_cast<void>(::setsockopt(fd, level, name, &value, sizeof value));
}

int wholeSeconds(std::chrono::milliseconds duration) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  // The kernel takes whole seconds, at least 1, at most 32767.
  return static_cast<int>(std::clamp<std::int64_t>(seconds, 1, 32767));
}

}  // namespace

void applyKeepalive(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds keepalive,
                    std::chrono::milliseconds userTimeout) {
  if (!socket.is_open())
    return;
  const int fd = socket.native_handle();
  if (keepalive.count() > 0) {
    setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
    setInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, wholeSeconds(keepalive));
    setInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, wholeSeconds(keepalive / kKeepaliveProbes));
    setInt(fd, IPPROTO_TCP, TCP_KEEPCNT, kKeepaliveProbes);
  }
  if (userTimeout.count() > 0) {
    const auto millis = std::min<std::int64_t>(userTimeout.count(), 0x7fffffff);
    setInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, static_cast<int>(millis));
  }
}

}  // namespace wasmesh::proxy
