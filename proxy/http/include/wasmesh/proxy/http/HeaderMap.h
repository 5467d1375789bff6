#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wasmesh::proxy::http {

// The fields of a message in arrival order, names in lower case (HTTP/2's rule, applied to
// HTTP/1 as it is parsed), values as received. No pseudo-headers: those live in the message
// heads. Duplicates are kept as separate entries, as they arrived.
class HeaderMap {
 public:
  using Field = std::pair<std::string, std::string>;

  HeaderMap() = default;

  // `name` is lower-cased here.
  void add(std::string_view name, std::string_view value);
  // Replaces every field of that name with one.
  void set(std::string_view name, std::string_view value);
  // Removes every field of that name; returns how many.
  std::size_t remove(std::string_view name);

  // The first value of `name` (lower case), if any.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // How many fields carry `name`.
  std::size_t count(std::string_view name) const;

  std::size_t size() const noexcept { return fields_.size(); }
  bool empty() const noexcept { return fields_.empty(); }
  // HPACK's accounting (RFC 7541 section 4.1): name + value + 32 per field. The header list
  // limits on both protocols use it.
  std::size_t listSize() const noexcept { return listSize_; }

  auto begin() const noexcept { return fields_.begin(); }
  auto end() const noexcept { return fields_.end(); }

 private:
  std::vector<Field> fields_;
  std::size_t listSize_ = 0;
};

}  // namespace wasmesh::proxy::http
