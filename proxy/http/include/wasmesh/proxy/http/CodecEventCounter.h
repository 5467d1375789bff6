#pragma once

#include "wasmesh/proxy/http/CodecEvents.h"
#include "wasmesh/proxy/http/HttpMetrics.h"

namespace wasmesh::proxy::http {

// Counts what an upstream connection's codec reports (an HTTP/2 server that floods us or
// breaks the protocol) in wasmesh_http_codec_errors_total, as downstream codecs are counted
// through their connection manager. One per worker, direction and protocol; outlives the
// pool whose connections report to it.
class CodecEventCounter final : public CodecObserver {
 public:
  CodecEventCounter(HttpWorkerMetrics& metrics, Direction direction, Version version)
      : metrics_(metrics), direction_(direction), version_(version) {}

  void onEvent(CodecEvent event) override { metrics_.codecEvent(direction_, version_, event); }

 private:
  HttpWorkerMetrics& metrics_;
  Direction direction_;
  Version version_;
};

}  // namespace wasmesh::proxy::http
