#pragma once

#include <optional>
#include <string_view>

namespace wasmesh::deploy {

// A Kubernetes resource quantity ("100m", "64Mi", "1.5", "2e3"): a non-negative decimal
// number with one optional suffix (n u m k M G T P E, Ki Mi Gi Ti Pi Ei) or a decimal
// exponent. Only what requests and limits need: the value, to compare a request with its
// limit. Negative quantities are refused (no resource can be negative).
class ResourceQuantity {
 public:
  static std::optional<ResourceQuantity> parse(std::string_view text);

  long double value() const noexcept { return value_; }
  // CPU cores rounded up, at least 1: the proxy's worker threads for a CPU quantity.
  unsigned wholeCores() const noexcept;

 private:
  explicit ResourceQuantity(long double value) : value_(value) {}
  long double value_;
};

}  // namespace wasmesh::deploy
