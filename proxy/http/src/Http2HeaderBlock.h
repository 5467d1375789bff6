#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "wasmesh/common/Error.h"
#include "wasmesh/proxy/http/HeaderMap.h"
#include "wasmesh/proxy/http/HttpSettings.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// The fields of one received header block (request, response or trailers) as nghttp2
// decodes them, bounded by HttpSettings: past the list size (HPACK-accounted) or the field
// count the rest is dropped, so an HPACK bomb costs decoding time but no memory. nghttp2's
// HTTP messaging checks (RFC 9113 section 8) have already run on each field.
class Http2HeaderBlock {
 public:
  Http2HeaderBlock() = default;
  Http2HeaderBlock(std::size_t maxListBytes, std::size_t maxCount)
      : maxListBytes_(maxListBytes), maxCount_(maxCount) {}

  // False once the block is over a limit.
  bool add(std::string_view name, std::string_view value);
  bool overLimit() const noexcept { return overLimit_; }

  // RFC 9113 section 8.3.1 (CONNECT: section 8.5). `endStream`: the HEADERS frame ended the
  // stream. errc::http_malformed_message when the pseudo-headers do not make a request.
  Result<RequestHead> toRequest(bool endStream) &&;
  // RFC 9113 section 8.3.2.
  Result<ResponseHead> toResponse() &&;
  // Trailers carry no pseudo-headers (nghttp2 refuses them).
  HeaderMap toTrailers() &&;

 private:
  std::size_t maxListBytes_ = 0;
  std::size_t maxCount_ = 0;
  std::size_t listBytes_ = 0;
  std::size_t count_ = 0;
  bool overLimit_ = false;
  std::string method_;
  std::string scheme_;
  std::string authority_;
  std::string path_;
  std::string status_;
  bool hasScheme_ = false;
  bool hasPath_ = false;
  HeaderMap fields_;
};

}  // namespace wasmesh::proxy::http
