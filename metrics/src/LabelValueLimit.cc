#include "wasmesh/metrics/LabelValueLimit.h"

namespace wasmesh::metrics {

std::string LabelValueLimit::admit(std::string_view value) {
  const std::lock_guard lock(mutex_);
  if (values_.find(value) != values_.end())
    return std::string(value);
  if (values_.size() < limit_) {
    values_.emplace(value);
    return std::string(value);
  }
  return std::string(kOverflow);
}

}  // namespace wasmesh::metrics
