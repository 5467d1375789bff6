#include "Http2FieldList.h"

#include "wasmesh/proxy/http/HeaderRules.h"

namespace wasmesh::proxy::http {
namespace {

bool connectionSpecific(std::string_view name, std::string_view value) {
  if (name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
      name == "transfer-encoding" || name == "upgrade" || name == "http2-settings") {
    return true;
  }
  return name == "te" && value != "trailers";
}

bool lowerCase(std::string_view name) {
  for (const char c : name) {
    if (c >= 'A' && c <= 'Z')
      return false;
  }
  return true;
}

}  // namespace

Http2FieldList::Http2FieldList(const RequestHead& head) {
  fields_.reserve(head.headers.size() + 4);
  add(":method", head.method);
  const auto host = head.headers.get("host");
  const std::string_view authority =
      !head.authority.empty() ? std::string_view(head.authority) : host.value_or("");
  if (head.method == "CONNECT") {
    add(":authority", authority.empty() ? std::string_view(head.path) : authority);
  } else {
    add(":scheme", head.scheme.empty() ? std::string_view("http") : std::string_view(head.scheme));
    if (!authority.empty())
      add(":authority", authority);
    add(":path", head.path.empty() ? std::string_view("/") : std::string_view(head.path));
  }
  addFields(head.headers, true, false);
}

Http2FieldList::Http2FieldList(const ResponseHead& head) {
  fields_.reserve(head.headers.size() + 1);
  const unsigned status = head.status % 1000;
  status_ = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
             static_cast<char>('0' + status % 10)};
  add(":status", std::string_view(status_.data(), status_.size()));
  // RFC 9110 section 8.6: never a Content-Length on a 1xx or 204 (nghttp2 refuses one).
  addFields(head.headers, false, head.status < 200 || head.status == 204);
}

Http2FieldList::Http2FieldList(const HeaderMap& trailers) {
  fields_.reserve(trailers.size());
  addFields(trailers, false, false);
}

void Http2FieldList::add(std::string_view name, std::string_view value) {
  nghttp2_nv field{};
  // nghttp2 copies name and value (no NO_COPY flag), so nothing here must outlive the submit.
  field.name = reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data()));  // NOLINT
  field.namelen = name.size();
  field.value = reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data()));  // NOLINT
  field.valuelen = value.size();
  field.flags = NGHTTP2_NV_FLAG_NONE;
  fields_.push_back(field);
}

void Http2FieldList::addFields(const HeaderMap& fields, bool request, bool noContentLength) {
  for (const auto& [name, value] : fields) {
    if (connectionSpecific(name, value) || (request && name == "host") ||
        (noContentLength && name == "content-length")) {
      continue;
    }
    if (!isValidFieldName(name) || !lowerCase(name) || !isValidFieldValue(value))
      continue;  // not expressible in HTTP/2; the HTTP/1 parser refused such fields anyway
    add(name, value);
  }
}

}  // namespace wasmesh::proxy::http
