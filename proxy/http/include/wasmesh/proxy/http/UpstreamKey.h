#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// Which upstream connections can carry a request: one pool entry per key.
struct UpstreamKey {
  // Where the proxy connects: the destination itself, or a meshed peer's mesh port.
  boost::asio::ip::tcp::endpoint endpoint;
  Version protocol = Version::http11;  // http11 or http2
  // Mesh transport: mutual TLS to `endpoint`, and the transport header naming this port.
  bool mesh = false;
  std::uint16_t meshTargetPort = 0;

  bool operator==(const UpstreamKey&) const = default;
};

struct UpstreamKeyHash {
  std::size_t operator()(const UpstreamKey& key) const noexcept {
    // From the address's bytes: a pool lookup happens per request and must not allocate.
    std::size_t hash = 0;
    const auto address = key.endpoint.address();
    if (address.is_v4()) {
      hash = address.to_v4().to_uint();
    } else {
      for (const auto byte : address.to_v6().to_bytes())
        hash = hash * 131 + byte;
    }
    hash = hash * 31 + key.endpoint.port();
    hash = hash * 31 + static_cast<std::size_t>(key.protocol);
    hash = hash * 31 + (key.mesh ? 1 : 0);
    return hash * 31 + key.meshTargetPort;
  }
};

}  // namespace wasmesh::proxy::http
