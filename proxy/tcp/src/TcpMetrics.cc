#include "wasmesh/proxy/TcpMetrics.h"

#include <utility>

namespace wasmesh::proxy {

TcpSideMetrics::TcpSideMetrics(metrics::CounterFamily& closeFamily, metrics::Labels labels,
                               metrics::Counter opened, metrics::Gauge openConnections,
                               metrics::Counter readBytes, metrics::Counter writeBytes,
                               std::size_t shard)
    : closeFamily_(&closeFamily),
      labels_(std::move(labels)),
      opened_(opened),
      openConnections_(openConnections),
      readBytes_(readBytes),
      writeBytes_(writeBytes),
      shard_(shard) {}

void TcpSideMetrics::open() {
  if (isOpen_)
    return;
  isOpen_ = true;
  opened_.add(shard_);
  openConnections_.add(shard_, 1);
}

void TcpSideMetrics::close(const std::string& errnoLabel) {
  if (!isOpen_)
    return;
  isOpen_ = false;
  openConnections_.sub(shard_, 1);
  auto labels = labels_;
  labels.emplace_back("errno", errnoLabel);
  closeFamily_->withLabels(labels).add(shard_);
}

TcpMetrics::TcpMetrics(metrics::Registry& registry)
    : open_(registry.counter("tcp_open_total", "Total count of opened connections")),
      close_(registry.counter("tcp_close_total", "Total count of closed connections")),
      openConnections_(
          registry.gauge("tcp_open_connections", "Number of currently-open connections")),
      readBytes_(registry.counter("tcp_read_bytes_total", "Total count of bytes read from peers")),
      writeBytes_(
          registry.counter("tcp_write_bytes_total", "Total count of bytes written to peers")),
      inboundErrors_(registry.counter("inbound_tcp_errors_total",
                                      "Inbound connections refused before forwarding")),
      outboundErrors_(registry.counter("outbound_tcp_errors_total",
                                       "Outbound connections refused before forwarding")),
      peerChosen_(kMaxPeerChosenLabelSets, registry.limits().retainIdle) {}

TcpSideMetrics TcpMetrics::side(const TcpSideLabels& side, std::size_t shard) {
  const auto address = side.target.address();
  std::string ip = address.to_string();
  std::string port = std::to_string(side.target.port());
  std::string targetAddr = address.is_v6() ? "[" + ip + "]:" + port : ip + ":" + port;
  std::optional<std::string> sni = side.passthroughSni;
  // Inbound, the port is whatever a remote client connected to (interception takes every
  // port) and the SNI whatever it wrote: their combination is bounded as one, and past the
  // bound every label derived from them is folded together.
  if (side.direction == Direction::inbound) {
    const auto key = sni ? targetAddr + " " + *sni : targetAddr;
    if (!peerChosen_.admit(key)) {
      const std::string overflow(metrics::LabelValueLimit::kOverflow);
      targetAddr = ip = port = overflow;
      if (sni)
        sni = overflow;
    }
  }
  metrics::Labels labels = {
      {"direction", side.direction == Direction::inbound ? "inbound" : "outbound"},
      {"peer", side.peer == Peer::src ? "src" : "dst"},
      {"target_addr", targetAddr},
      {"target_ip", ip},
      {"target_port", port},
  };
  if (side.peerIdentity) {
    labels.emplace_back("tls", "true");
    labels.emplace_back(side.peer == Peer::src ? "client_id" : "server_id", *side.peerIdentity);
  } else if (sni) {
    labels.emplace_back("tls", "opaque");
    labels.emplace_back("sni", *sni);
  } else {
    labels.emplace_back("tls", "no_identity");
    labels.emplace_back("no_tls_reason", side.noTlsReason);
  }
  return TcpSideMetrics(close_, labels, open_.withLabels(labels),
                        openConnections_.withLabels(labels), readBytes_.withLabels(labels),
                        writeBytes_.withLabels(labels), shard);
}

void TcpMetrics::countError(Direction direction, const std::string& error, std::size_t shard) {
  auto& family = direction == Direction::inbound ? inboundErrors_ : outboundErrors_;
  family.withLabels({{"error", error}}).add(shard);
}

}  // namespace wasmesh::proxy
