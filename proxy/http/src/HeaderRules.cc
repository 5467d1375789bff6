#include "wasmesh/proxy/http/HeaderRules.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "wasmesh/proxy/http/AsciiCase.h"

namespace wasmesh::proxy::http {
namespace {

bool isTokenChar(unsigned char c) noexcept {
  constexpr std::string_view kPunctuation = "!#$%&'*+-.^_`|~";
  return std::isalnum(c) != 0 || kPunctuation.find(static_cast<char>(c)) != std::string_view::npos;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

void removeHopByHop(HeaderMap& headers) {
  // Fields the Connection header names are hop-by-hop too; collect them before it goes.
  std::vector<std::string> named;
  for (const auto& [name, value] : headers) {
    if (name != "connection")
      continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = trimmed(rest.substr(0, comma));
      if (!item.empty())
        named.push_back(toLowerAscii(item));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  }
  for (const auto* name : {"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                           "upgrade", "http2-settings"}) {
    headers.remove(name);
  }
  for (const auto& name : named) {
    if (name != "te")
      headers.remove(name);
  }
  if (const auto te = headers.get("te"); te && toLowerAscii(trimmed(*te)) != "trailers")
    headers.remove("te");
  if (headers.count("te") > 1) {
    headers.remove("te");
    headers.add("te", "trailers");
  }
}

bool isValidFieldName(std::string_view name) noexcept {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return isTokenChar(static_cast<unsigned char>(c));
  });
}

bool isValidFieldValue(std::string_view value) noexcept {
  if (!value.empty() && (value.front() == ' ' || value.front() == '\t' || value.back() == ' ' ||
                         value.back() == '\t'))
    return false;
  return std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
  });
}

bool isValidMethod(std::string_view method) noexcept {
  return isValidFieldName(method);
}

}  // namespace wasmesh::proxy::http
