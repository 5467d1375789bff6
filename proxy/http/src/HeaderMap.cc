#include "wasmesh/proxy/http/HeaderMap.h"

#include <algorithm>

#include "wasmesh/proxy/http/AsciiCase.h"

namespace wasmesh::proxy::http {
namespace {

// HPACK's per-field overhead (RFC 7541 section 4.1), which HTTP/2's header list limit uses.
constexpr std::size_t kFieldOverhead = 32;

}  // namespace

void HeaderMap::add(std::string_view name, std::string_view value) {
  fields_.emplace_back(toLowerAscii(name), std::string(value));
  listSize_ += name.size() + value.size() + kFieldOverhead;
}

void HeaderMap::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

std::size_t HeaderMap::remove(std::string_view name) {
  const auto key = toLowerAscii(name);
  const auto before = fields_.size();
  std::erase_if(fields_, [&](const Field& field) {
    if (field.first != key)
      return false;
    listSize_ -= field.first.size() + field.second.size() + kFieldOverhead;
    return true;
  });
  return before - fields_.size();
}

std::optional<std::string_view> HeaderMap::get(std::string_view name) const {
  for (const auto& [key, value] : fields_) {
    if (key == name)
      return std::string_view(value);
  }
  return std::nullopt;
}

std::size_t HeaderMap::count(std::string_view name) const {
  return static_cast<std::size_t>(std::count_if(
      fields_.begin(), fields_.end(), [&](const Field& field) { return field.first == name; }));
}

}  // namespace wasmesh::proxy::http
