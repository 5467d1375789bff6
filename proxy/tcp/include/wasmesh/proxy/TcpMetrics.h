#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "wasmesh/metrics/LabelValueLimit.h"
#include "wasmesh/metrics/Registry.h"
#include "wasmesh/proxy/Config.h"

namespace wasmesh::proxy {

// Which end of a proxied connection a set of series describes, in Linkerd's terms.
enum class Peer { src, dst };

// Identifies one side of a proxied connection for its labels.
struct TcpSideLabels {
  Direction direction = Direction::inbound;
  Peer peer = Peer::src;
  boost::asio::ip::tcp::endpoint target;
  // Without mesh TLS: tls="no_identity" with a reason, or for a ClientHello passed through
  // untouched, tls="opaque" with the client's SNI.
  std::string noTlsReason;
  std::optional<std::string> passthroughSni;
  // Mesh TLS (takes precedence): tls="true" with the SPIFFE ID the peer proved, as client_id
  // on the accepting side (src) and server_id on the connecting side (dst).
  std::optional<std::string> peerIdentity;
};

// The series of one side of one connection. Handles are looked up once when the connection
// opens; per-byte updates touch only the worker's shard.
class TcpSideMetrics {
 public:
  TcpSideMetrics(metrics::CounterFamily& closeFamily, metrics::Labels labels,
                 metrics::Counter opened, metrics::Gauge openConnections,
                 metrics::Counter readBytes, metrics::Counter writeBytes, std::size_t shard);

  void open();
  void read(std::uint64_t bytes) { readBytes_.add(shard_, bytes); }
  void wrote(std::uint64_t bytes) { writeBytes_.add(shard_, bytes); }
  // Idempotent: the first call wins, later ones are ignored.
  void close(const std::string& errnoLabel);

 private:
  metrics::CounterFamily* closeFamily_;
  metrics::Labels labels_;
  metrics::Counter opened_;
  metrics::Gauge openConnections_;
  metrics::Counter readBytes_;
  metrics::Counter writeBytes_;
  std::size_t shard_;
  bool isOpen_ = false;
};

// The tcp_* families, registered once per proxy.
class TcpMetrics {
 public:
  // Label values a remote client chooses (inbound: the target port it connected to, the SNI
  // of a ClientHello passed through): at most this many distinct combinations become
  // series; beyond it target_addr, target_ip, target_port and sni are all "overflow".
  static constexpr std::size_t kMaxPeerChosenLabelSets = 1000;

  explicit TcpMetrics(metrics::Registry& registry);

  TcpSideMetrics side(const TcpSideLabels& labels, std::size_t shard);
  // inbound_tcp_errors_total / outbound_tcp_errors_total: connections refused before any
  // upstream was tried (no original destination, a redirect loop, the connection limit).
  void countError(Direction direction, const std::string& error, std::size_t shard);

 private:
  metrics::CounterFamily& open_;
  metrics::CounterFamily& close_;
  metrics::GaugeFamily& openConnections_;
  metrics::CounterFamily& readBytes_;
  metrics::CounterFamily& writeBytes_;
  metrics::CounterFamily& inboundErrors_;
  metrics::CounterFamily& outboundErrors_;
  metrics::LabelValueLimit peerChosen_;
};

}  // namespace wasmesh::proxy
