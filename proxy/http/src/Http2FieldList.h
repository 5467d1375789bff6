#pragma once

#include <nghttp2/nghttp2.h>

#include <array>
#include <span>
#include <string_view>
#include <vector>

#include "wasmesh/proxy/http/HeaderMap.h"
#include "wasmesh/proxy/http/Message.h"

namespace wasmesh::proxy::http {

// The header block of a message we send, as nghttp2 takes it: pseudo-headers first, then
// the fields, without the connection-specific ones HTTP/2 forbids (RFC 9113 section 8.2.2)
// and without fields that are not valid HTTP. The entries point into the message and into
// this object (hence neither copyable nor movable); nghttp2 copies them when submitted.
class Http2FieldList {
 public:
  explicit Http2FieldList(const RequestHead& head);
  explicit Http2FieldList(const ResponseHead& head);
  explicit Http2FieldList(const HeaderMap& trailers);
  Http2FieldList(const Http2FieldList&) = delete;
  Http2FieldList& operator=(const Http2FieldList&) = delete;

  const nghttp2_nv* data() const noexcept { return fields_.data(); }
  std::size_t size() const noexcept { return fields_.size(); }

 private:
  void add(std::string_view name, std::string_view value);
  void addFields(const HeaderMap& fields, bool request, bool noContentLength);

  std::array<char, 3> status_{};
  std::vector<nghttp2_nv> fields_;
};

}  // namespace wasmesh::proxy::http
